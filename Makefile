# evserve's front door: `make run` serves, `make test` tests. Both install what they need on Debian 12.
SHELL := /bin/bash
PYTHON ?= python3
SWIFT ?= swift
HOST ?= 127.0.0.1
PORT ?= 8000
# The live Python suites run in a venv of their own: Debian's python3 takes no pip installs (PEP 668).
TEST_VENV := tests/.venv
TEST_PYTHON := $(TEST_VENV)/bin/python

# System packages: what building needs, and what the tests add. Included .mk files append to these.
APT_BUILD_PACKAGES := libev-dev
APT_TEST_PACKAGES :=
PIP_TEST_REQUIREMENTS :=

# Each part of the project adds its own targets and packages in its own .mk file.
-include $(sort $(wildcard tests/*.mk bench/*.mk deploy/*.mk fuzz/*.mk))

.PHONY: run build release test test-swift deps test-deps clean

# Installs only what is missing, so a second run costs nothing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

deps:
	$(call apt_install,$(APT_BUILD_PACKAGES))

# apt first (it brings python3-venv), then the venv; a sub-make so the venv rule runs after apt.
test-deps: deps
	$(call apt_install,$(APT_TEST_PACKAGES))
	@$(MAKE) --no-print-directory $(TEST_VENV)/.installed

# The venv is made afresh when any requirements file the parts list is newer than its stamp
# (edited, or added: a new file is newer than the stamp).
$(TEST_VENV)/.installed: $(PIP_TEST_REQUIREMENTS)
	$(PYTHON) -m venv --clear $(TEST_VENV)
	$(TEST_VENV)/bin/pip install -q --disable-pip-version-check $(foreach r,$^,-r $(r))
	touch $@

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product evserve

run: release
	.build/release/evserve --host $(HOST) --port $(PORT)

test-swift: deps
	$(SWIFT) test

# Swift suites first, then the live Python suites (differential, browser, OpenAPI, metrics, systemd).
test: test-deps test-swift $(PY_TEST_TARGETS)

clean:
	rm -rf .build
