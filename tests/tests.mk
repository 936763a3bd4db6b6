# Live Python suites (pytest): each starts the built evserve on a free loopback port (tests/evserve_server.py).
# Their packages: one requirements file and one apt list per suite, so suites can be added independently.
PIP_TEST_REQUIREMENTS += $(sort $(wildcard tests/requirements*.txt))
APT_TEST_PACKAGES += $(sort $(foreach f,$(wildcard tests/apt-packages*.txt),$(shell grep -v '^\#' $(f))))
# python3-venv: the suites' packages go into the venv $(TEST_VENV) (the Makefile's test-deps makes it).
APT_TEST_PACKAGES += python3-venv
PY_TEST_TARGETS += test-python

.PHONY: test-python
# Runs after test-swift, whose build leaves .build/debug/evserve in place.
test-python: test-deps
	$(SWIFT) build --product evserve
	EVSERVE_BIN=$(CURDIR)/.build/debug/evserve $(TEST_PYTHON) -m pytest -q tests
