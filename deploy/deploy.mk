# Deployment checks (deploy/): the container's runtime stage, the systemd units and protocols, nginx failover.
# tests/test_systemd.py also runs with the other live suites in `make test` (tests/tests.mk).
.PHONY: check-image failover check-systemd

# The Dockerfile's runtime stage, replayed in a debootstrapped bookworm (needs Debian's mirror, as apt does):
# a static release build, a minimal bookworm and the checks; a few minutes from nothing, under a minute
# when .build-image/ is kept. Part of `make test`, so CI runs it.
check-image: deps
	$(call apt_install,debootstrap curl iproute2 util-linux)
	deploy/check-runtime-image.sh
PY_TEST_TARGETS += check-image

# nginx in front of two instances, one SIGKILLed under wrk load: must end with 0 failed requests (~15 s).
failover: release
	$(call apt_install,nginx wrk curl)
	EVSERVE_BIN=$(CURDIR)/.build/release/evserve deploy/failover.sh

# The systemd suite alone: unit files, socket activation, READY/WATCHDOG/STOPPING.
check-systemd: test-deps
	$(SWIFT) build --product evserve
	EVSERVE_BIN=$(CURDIR)/.build/debug/evserve $(PYTHON) -m pytest -q tests/test_systemd.py
