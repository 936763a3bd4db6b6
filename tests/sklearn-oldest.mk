# The export-and-serve suite (tests/test_sklearn_models.py) once more on the oldest scikit-learn the
# exporter supports (1.1.3, tools/requirements.txt), in a venv of its own: the main test venv has the
# newest. Costs about 1 min (the venv is built once and kept until its requirements change; the suite
# itself takes ~40 s).
SKLEARN_OLDEST_VENV := tools/.venv-oldest
PY_TEST_TARGETS += test-sklearn-oldest

.PHONY: test-sklearn-oldest

$(SKLEARN_OLDEST_VENV)/.installed: tools/requirements.txt tools/requirements-oldest-tests.txt
	rm -rf $(SKLEARN_OLDEST_VENV)
	$(PYTHON) -m venv $(SKLEARN_OLDEST_VENV)
	$(SKLEARN_OLDEST_VENV)/bin/pip install -q --disable-pip-version-check -r tools/requirements.txt -r tools/requirements-oldest-tests.txt
	touch $@

# Runs after test-swift, whose build leaves .build/debug/evserve in place.
test-sklearn-oldest: deps
	$(call apt_install,python3-venv)
	@$(MAKE) --no-print-directory $(SKLEARN_OLDEST_VENV)/.installed
	$(SWIFT) build --product evserve
	EVSERVE_BIN=$(CURDIR)/.build/debug/evserve $(SKLEARN_OLDEST_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/test_sklearn_models.py
