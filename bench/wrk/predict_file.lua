-- POST /predict with the body in the file named by BENCH_BODY_FILE (the harness writes it: large bodies).
local f = assert(io.open(assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE is not set"), "rb"))
wrk.method = "POST"
wrk.path = "/predict"
wrk.headers["Content-Type"] = "application/json"
wrk.body = f:read("*a")
f:close()

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")
