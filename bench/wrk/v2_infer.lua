-- POST /v2/models/reference/infer (Open Inference Protocol): the same 2x13 rows as predict.lua, as one
-- FP64 tensor; evserve's built-in model and the MLServer peer are both named `reference`.
wrk.method = "POST"
wrk.path = "/v2/models/reference/infer"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs": [{"name": "input-0", "shape": [2, 13], "datatype": "FP64", "data": ' ..
           '[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98, ' ..
           '0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]}]}'

dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/report.lua")
