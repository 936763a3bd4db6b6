-- POST /predict with a 2x13 body: rows 1 and 2 of the Boston housing CSV (the features only).
wrk.method = "POST"
wrk.path = "/predict"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"X": [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98], ' ..
           '[0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]]}'

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")
