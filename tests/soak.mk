# `make soak DURATION=2m`: evserve under a bounded mixed load with faults for DURATION (default 2m; 90, 90s,
# 10m), then a summary printed and written to .build-soak/summary.json; fails unless every check passed.
# What it sends and checks: tests/soak/soak.py. Not part of `make test` (it takes DURATION plus ~55 s).
# EVSERVE_BIN=path soaks that binary instead of building .build/release/evserve.
DURATION ?= 2m
# nginx, wrk and curl for deploy/failover.sh (the kill -9 fault), as deploy/deploy.mk's `failover` installs.
APT_SOAK_PACKAGES := python3-venv nginx wrk curl

.PHONY: soak soak-deps

# The driver uses only the standard library; scikit-learn (to export the classifier it serves) comes from
# the live suites' venv, so a soak after `make test` installs nothing from PyPI.
soak-deps: test-deps
	$(call apt_install,$(APT_SOAK_PACKAGES))

soak: soak-deps
	$(if $(EVSERVE_BIN),,$(SWIFT) build -c release --product evserve)
	$(TEST_PYTHON) tests/soak/soak.py --duration $(DURATION) \
		--evserve $(or $(EVSERVE_BIN),$(CURDIR)/.build/release/evserve) --summary $(CURDIR)/.build-soak/summary.json
