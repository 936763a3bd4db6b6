# Live Python suites (pytest): each starts the built evserve on a free loopback port (tests/evserve_server.py).
# Their packages: one requirements file and one apt list per suite, so suites can be added independently.
PIP_TEST_REQUIREMENTS += $(sort $(wildcard tests/requirements*.txt))
APT_TEST_PACKAGES += $(sort $(foreach f,$(wildcard tests/apt-packages*.txt),$(shell grep -v '^\#' $(f))))
PY_TEST_TARGETS += test-python

.PHONY: test-python
# Runs after test-swift, whose build leaves .build/debug/evserve in place.
test-python: test-deps
	$(SWIFT) build --product evserve
	EVSERVE_BIN=$(CURDIR)/.build/debug/evserve $(PYTHON) -m pytest -q tests
