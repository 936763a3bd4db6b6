# Benchmarks: `make bench` (evserve beside Flask, FastAPI, Starlette and a static nginx; about 10 min)
# and `make bench-concurrency` (10 000 keep-alive connections to evserve; about 2 min).
# BENCH_QUICK=1 makes `make bench` a short development run (results under bench/results/quick.tmp/);
# BENCH_ARGS passes more options, e.g. BENCH_ARGS="--baseline OLD/evserve --only nginx-static,evserve,evserve-baseline".
# Both install what they need: wrk, nginx-light and python3-venv from Debian, and two venvs from pinned
# requirements (peers and harness; locust kept apart so its dependencies cannot move the peers').
APT_BENCH_PACKAGES := wrk nginx-light python3-venv
BENCH_VENV := bench/.venv-peers
LOCUST_VENV := bench/.venv-locust
# Where the release build goes: the package's default .build unless told (a helper's own scratch copy).
BENCH_SCRATCH ?= .build
BENCH_EVSERVE := $(BENCH_SCRATCH)/release/evserve

.PHONY: bench bench-concurrency bench-deps bench-evserve

# A venv is (re)made when its requirements file is newer than its stamp.
$(BENCH_VENV)/.installed: bench/peers/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(LOCUST_VENV)/.installed: load_testing/requirements.txt
	$(PYTHON) -m venv $(LOCUST_VENV)
	$(LOCUST_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

bench-deps: deps
	$(call apt_install,$(APT_BENCH_PACKAGES))
	@$(MAKE) --no-print-directory $(BENCH_VENV)/.installed $(LOCUST_VENV)/.installed

bench-evserve: deps
	$(SWIFT) build -c release --product evserve --scratch-path $(BENCH_SCRATCH)

bench: bench-deps bench-evserve
	$(BENCH_VENV)/bin/python bench/run_bench.py --evserve $(BENCH_EVSERVE) $(BENCH_ARGS)

bench-concurrency: bench-deps bench-evserve
	$(BENCH_VENV)/bin/python bench/run_concurrency.py --evserve $(BENCH_EVSERVE)
