# The suites that need the kserve package (KServe's resource classes and its v2 REST client) run in
# their own venv, tests/.venv-kserve, from tests/kserve-requirements.txt: kserve's pins (numpy 2,
# pandas, fastapi, the Kubernetes client) cannot share tests/.venv. About 5 min and 450 MiB the first
# time; a second `make test` reuses it. In the shared venv the same files skip (no kserve there).
KSERVE_TEST_VENV := tests/.venv-kserve
KSERVE_SUITES := tests/test_kserve_manifests.py tests/test_v2_second_client.py
PY_TEST_TARGETS += test-kserve

.PHONY: test-kserve

$(KSERVE_TEST_VENV)/.installed: tests/kserve-requirements.txt
	$(PYTHON) -m venv --clear $(KSERVE_TEST_VENV)
	$(KSERVE_TEST_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

# Builds the debug evserve itself (make runs the suites in include order); test-deps brings python3-venv.
test-kserve: test-deps
	@$(MAKE) --no-print-directory $(KSERVE_TEST_VENV)/.installed
	$(SWIFT) build --product evserve
	EVSERVE_BIN=$(CURDIR)/.build/debug/evserve $(KSERVE_TEST_VENV)/bin/python -m pytest -q $(KSERVE_SUITES)
