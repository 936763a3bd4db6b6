# Benchmarks: `make bench` (evserve beside Flask, FastAPI, Starlette and a static nginx, then constant-rate
# latency, the heavy model and large bodies; about 20 min, plus 1-2 min the first time to train the heavy
# model) and `make bench-concurrency` (10 000 keep-alive connections, idle and loaded, evserve and nginx;
# about 6 min). Both end with bench/targets.py: every row of issue 14 from the day's results, in one
# table. `make bench-latency` and `make bench-heavy` run those parts alone.
# BENCH_QUICK=1 makes `make bench` a short development run (results under bench/results/quick.tmp/);
# BENCH_ARGS passes more options to every script, e.g. BENCH_ARGS="--baseline OLD/evserve --only nginx-static,evserve,evserve-baseline";
# --only names servers and rows alike, and a script skips names it does not know (bench/harness/selection.py);
# --only v2 runs only run_bench.py's Open Inference Protocol rows (MLServer with and without adaptive
# batching, evserve's v2 route).
# Both install what they need: wrk, nginx-light, python3-venv and gcc (for bench/openloop) from Debian,
# and three venvs from pinned requirements (peers and harness; locust kept apart so its dependencies cannot
# move the peers'; MLServer's too).
APT_BENCH_PACKAGES := wrk nginx-light python3-venv gcc
BENCH_VENV := bench/.venv-peers
LOCUST_VENV := bench/.venv-locust
# MLServer (the Open Inference Protocol peer, bench/peers/mlserver_peer) in a venv of its own: its
# pins (fastapi, starlette, ...) differ from the peers'. About 5 min and 530 MiB the first time.
MLSERVER_VENV := bench/.venv-mlserver
# Where the release build goes: the package's default .build unless told (a helper's own scratch copy).
BENCH_SCRATCH ?= .build
BENCH_EVSERVE := $(BENCH_SCRATCH)/release/evserve
BENCH_VALIDATION := $(BENCH_SCRATCH)/release/ValidationBench
# The open-loop client of the constant-rate rows (the harness also builds it on first use).
OPENLOOP := bench/.build-openloop/openloop

.PHONY: bench bench-reference-model bench-reference-model-deps bench-concurrency bench-deps bench-evserve bench-latency bench-heavy bench-validation-binary

# A venv is (re)made when its requirements file is newer than its stamp.
$(BENCH_VENV)/.installed: bench/peers/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(LOCUST_VENV)/.installed: load_testing/requirements.txt
	$(PYTHON) -m venv $(LOCUST_VENV)
	$(LOCUST_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(MLSERVER_VENV)/.installed: bench/requirements-mlserver.txt
	$(PYTHON) -m venv $(MLSERVER_VENV)
	$(MLSERVER_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

bench-deps: deps
	$(call apt_install,$(APT_BENCH_PACKAGES))
	@$(MAKE) --no-print-directory $(BENCH_VENV)/.installed $(LOCUST_VENV)/.installed $(MLSERVER_VENV)/.installed

bench-evserve: deps
	$(SWIFT) build -c release --product evserve --scratch-path $(BENCH_SCRATCH)

bench-validation-binary: deps
	$(SWIFT) build -c release --product ValidationBench --scratch-path $(BENCH_SCRATCH)

$(OPENLOOP): bench/openloop/openloop.c
	mkdir -p $(dir $@)
	cc -O2 -Wall -o $@ $<

# The reference model's µs per row beside scikit-learn (issue 14's inference row; about 20 s), kept as JSON
# for bench/targets.py: the part of `make bench-inference` that times the reference model, in its venv.
# `make bench` runs it unless BENCH_ARGS has an --only without `reference-model`.
BENCH_TIMES_REFERENCE := $(if $(findstring --only,$(BENCH_ARGS)),$(findstring reference-model,$(BENCH_ARGS)),yes)
REFERENCE_MODEL_RUN = $(INFERENCE_VENV)/bin/python bench/inference_sklearn.py --swift $(BENCH_SCRATCH)/release/InferenceBench \
	--reference-only --keep

bench-reference-model-deps: deps
	$(call apt_install,python3-venv)
	@$(MAKE) --no-print-directory $(INFERENCE_VENV)/.installed
	$(SWIFT) build -c release --product InferenceBench --scratch-path $(BENCH_SCRATCH)

bench-reference-model: bench-reference-model-deps
	$(REFERENCE_MODEL_RUN)

# Each script runs even when the one before failed (a failed server is a row of its report); make fails
# at the end if any did. Last, bench/targets.py gathers issue 14's rows from the day's results.
# (No $(MAKE) in this recipe: make runs a line that has one even under -n, and this line is the benchmark.)
bench: bench-deps bench-evserve bench-validation-binary $(if $(BENCH_TIMES_REFERENCE),bench-reference-model-deps) $(OPENLOOP)
	@status=0; \
	$(BENCH_VENV)/bin/python bench/run_bench.py --evserve $(BENCH_EVSERVE) $(BENCH_ARGS) || status=1; \
	$(BENCH_VENV)/bin/python bench/run_latency.py --evserve $(BENCH_EVSERVE) $(BENCH_ARGS) || status=1; \
	$(BENCH_VENV)/bin/python bench/run_heavy.py --evserve $(BENCH_EVSERVE) \
		--validation-bench $(BENCH_VALIDATION) $(BENCH_ARGS) || status=1; \
	$(if $(BENCH_TIMES_REFERENCE),$(REFERENCE_MODEL_RUN) || status=1;) \
	$(BENCH_VENV)/bin/python bench/targets.py || status=1; \
	exit $$status

bench-latency: bench-deps bench-evserve $(OPENLOOP)
	$(BENCH_VENV)/bin/python bench/run_latency.py --evserve $(BENCH_EVSERVE) $(BENCH_ARGS)

bench-heavy: bench-deps bench-evserve bench-validation-binary $(OPENLOOP)
	$(BENCH_VENV)/bin/python bench/run_heavy.py --evserve $(BENCH_EVSERVE) --validation-bench $(BENCH_VALIDATION) $(BENCH_ARGS)

bench-concurrency: bench-deps bench-evserve
	$(BENCH_VENV)/bin/python bench/run_concurrency.py --evserve $(BENCH_EVSERVE) $(BENCH_ARGS)
	$(BENCH_VENV)/bin/python bench/targets.py

# `make bench-profile-concurrency`: at 10 000 connections, where the server's core goes per request (kernel,
# event loop, job threads; the top user-space symbols), evserve beside nginx, from `perf record` of that
# core (needs perf: Debian's linux-perf). About a minute.
.PHONY: bench-profile-concurrency
bench-profile-concurrency: bench-deps bench-evserve
	$(call apt_install,linux-perf)
	$(BENCH_VENV)/bin/python bench/profile_concurrency.py --evserve $(BENCH_EVSERVE) $(BENCH_ARGS)

# `make bench-tcp-waits`: at 10 000 connections, each request's time in the server and in the client,
# and the ACK segments each side sends, from a tcpdump sample of the loopback packets (needs tcpdump).
.PHONY: bench-tcp-waits
bench-tcp-waits: bench-deps bench-evserve
	$(BENCH_VENV)/bin/python bench/tcp_waits.py --evserve $(BENCH_EVSERVE) $(BENCH_ARGS)

# `make bench-cpu-rates`: the clock (from a chain of float64 additions) and the rates of the byte shuffles,
# blends and adds the inference kernels are made of (bench/cpurates/cpurates.c; x86-64 with AVX2; ~10 s).
CPURATES := bench/.build-cpurates/cpurates
$(CPURATES): bench/cpurates/cpurates.c
	mkdir -p $(dir $@)
	cc -O2 -Wall -o $@ $<

.PHONY: bench-cpu-rates
bench-cpu-rates: $(CPURATES)
	taskset -c 1 $(CPURATES)
