-- POST the body in the file named by BENCH_BODY_FILE (the harness writes it: large bodies) to BENCH_PATH
-- (/predict unless set: a v2 peer's infer route).
local f = assert(io.open(assert(os.getenv("BENCH_BODY_FILE"), "BENCH_BODY_FILE is not set"), "rb"))
wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH") or "/predict"
wrk.headers["Content-Type"] = "application/json"
wrk.body = f:read("*a")
f:close()

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")
