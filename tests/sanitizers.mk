# `make check-sanitizers`: the Swift suites under ThreadSanitizer and AddressSanitizer, and the live
# server under ThreadSanitizer for a short real load (tests/sanitizer_server_load.py). Each sanitizer
# builds in its own --scratch-path, so neither rebuilds .build. Any report fails the step: TSan ends a
# process that reported with status 66, ASan stops at its first error, LSan fails the exit.
# Cost measured on the 2-core development machine while other builds ran (load average 11-15, so an
# idle CI machine does better), build from scratch + run:
#   check-tsan         ~5 min + ~4.5-5.5 min (289 tests)
#   check-tsan-server  ~20 s incremental build + 10 s (400 requests; 1000 take 17 s)
#   check-asan         ~13 min + ~2.5-7 min (295 tests; the plain suite takes ~1 min)
# `make test` runs check-tsan-server (the threads that matter, under real concurrent load: ~3 min with its
# build on an idle 2-core machine); the suites under TSan and ASan are `make check-sanitizers`' alone.
TSAN_SCRATCH := .build-tsan
ASAN_SCRATCH := .build-asan
# -DEVSERVE_TSAN: `Locked` (Sources/Evserve/Loop/Locked.swift) tells TSan about its lock, which TSan
# cannot see inside Synchronization's Mutex on Linux.
TSAN_BUILD_FLAGS := --sanitize=thread -Xswiftc -DEVSERVE_TSAN
ASAN_BUILD_FLAGS := --sanitize=address
TSAN_RUN := TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan-suppressions.txt history_size=4"
# LeakSanitizer too, at each test process's exit; tests/lsan-suppressions.txt names the leaks that
# are not evserve's (XCTest's runner, Foundation's Process).
ASAN_RUN := ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan-suppressions.txt
SANITIZER_LOAD_REQUESTS ?= 400

.PHONY: check-sanitizers check-tsan check-tsan-server check-asan

PY_TEST_TARGETS += check-tsan-server

check-sanitizers: check-tsan check-tsan-server check-asan

check-tsan: deps
	$(SWIFT) build --build-tests --scratch-path $(TSAN_SCRATCH) $(TSAN_BUILD_FLAGS)
	$(TSAN_RUN) EVSERVE_BIN=$(CURDIR)/$(TSAN_SCRATCH)/debug/evserve $(SWIFT) test --skip-build --scratch-path $(TSAN_SCRATCH) $(TSAN_BUILD_FLAGS)

check-tsan-server: deps
	$(SWIFT) build --product evserve --scratch-path $(TSAN_SCRATCH) $(TSAN_BUILD_FLAGS)
	cd tests && $(TSAN_RUN) EVSERVE_BIN=$(CURDIR)/$(TSAN_SCRATCH)/debug/evserve $(PYTHON) sanitizer_server_load.py $(SANITIZER_LOAD_REQUESTS)

check-asan: deps
	$(SWIFT) build --build-tests --scratch-path $(ASAN_SCRATCH) $(ASAN_BUILD_FLAGS)
	$(ASAN_RUN) EVSERVE_BIN=$(CURDIR)/$(ASAN_SCRATCH)/debug/evserve $(SWIFT) test --skip-build --scratch-path $(ASAN_SCRATCH) $(ASAN_BUILD_FLAGS)
