-- GET /: the cheapest route, which measures the HTTP path alone.
wrk.method = "GET"
wrk.path = "/"

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")
