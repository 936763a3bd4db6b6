# `make soak DURATION=2m`: evserve under a bounded mixed load with faults for DURATION (default 2m; 90, 90s,
# 10m), then a summary printed and written to .build-soak/summary.json; fails unless every check passed.
# What it sends and checks: tests/soak/soak.py. Not part of `make test` (it takes DURATION plus ~40 s).
# EVSERVE_BIN=path soaks that binary instead of building .build/release/evserve.
DURATION ?= 2m
SOAK_VENV := tests/soak/.venv
# nginx, wrk and curl for deploy/failover.sh (the kill -9 fault), as deploy/deploy.mk's `failover` installs.
APT_SOAK_PACKAGES := python3-venv nginx wrk curl

.PHONY: soak soak-deps

$(SOAK_VENV)/.installed: tests/soak/requirements.txt
	$(PYTHON) -m venv --clear $(SOAK_VENV)
	$(SOAK_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

soak-deps: deps
	$(call apt_install,$(APT_SOAK_PACKAGES))
	@$(MAKE) --no-print-directory $(SOAK_VENV)/.installed

soak: soak-deps
	$(if $(EVSERVE_BIN),,$(SWIFT) build -c release --product evserve)
	$(SOAK_VENV)/bin/python tests/soak/soak.py --duration $(DURATION) \
		--evserve $(or $(EVSERVE_BIN),$(CURDIR)/.build/release/evserve) --summary $(CURDIR)/.build-soak/summary.json
