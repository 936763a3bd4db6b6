# Deployment checks (deploy/): the container's runtime stage, the systemd units and protocols, nginx failover.
# tests/test_systemd.py also runs with the other live suites in `make test` (tests/tests.mk).
.PHONY: check-image check-systemd-boot failover check-systemd static-release

# The binary the container ships: built by the script from exactly what the Dockerfile's build stage copies,
# with --static-swift-stdlib, in .build-image/swift (its own scratch folder).
EVSERVE_STATIC := $(CURDIR)/.build-image/swift/release/evserve
# --static-swift-stdlib links the C++ runtime in as well: libstdc++.a, from libstdc++-12-dev, which swift.org's
# Debian 12 list does not name (the dynamic builds need only the shared library). make check-newcomer found it.
static-release: deps
	$(call apt_install,libstdc++-12-dev)
	bash deploy/check-runtime-image.sh --build-only

# The Dockerfile's runtime stage, replayed in a debootstrapped bookworm (needs Debian's mirror, as apt does):
# a static release build, a minimal bookworm and the checks; a few minutes from nothing, under a minute
# when .build-image/ is kept. Part of `make test`, so CI runs it.
check-image: static-release
	$(call apt_install,debootstrap curl iproute2 util-linux)
	bash deploy/check-runtime-image.sh --binary $(EVSERVE_STATIC)
PY_TEST_TARGETS += check-image

# The units under a real systemd (PID 1 of a systemd-nspawn container on the same base and binary):
# socket activation, READY/STATUS, watchdog, restart after SIGKILL, clean stop, all hardening on (~25 s).
check-systemd-boot: check-image
	$(call apt_install,systemd-container)
	EVSERVE_BIN=$(EVSERVE_STATIC) bash deploy/check-systemd-boot.sh

# nginx in front of two instances, one SIGKILLed under wrk load: must end with 0 failed requests (~15 s).
failover: static-release
	$(call apt_install,nginx wrk curl)
	EVSERVE_BIN=$(EVSERVE_STATIC) bash deploy/failover.sh

# The checks that need more than CI's fresh machine offers (a container manager, load for seconds):
# run here with `make deploy-checks`; CI runs check-image and the systemd suite.
.PHONY: deploy-checks
deploy-checks: check-image check-systemd-boot failover

# The systemd suite alone: unit files, socket activation, READY/WATCHDOG/STOPPING.
check-systemd: test-deps
	$(SWIFT) build --product evserve
	EVSERVE_BIN=$(CURDIR)/.build/debug/evserve $(TEST_PYTHON) -m pytest -q tests/test_systemd.py
