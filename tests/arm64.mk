# What another CPU runs: evserve picks its inference kernels at run time (AVX-512, AVX2, or portable C
# that any 64-bit CPU runs: Sources/CTreeKernels/CPUFeatures.c), and 64-bit ARM gets the portable ones.
#
# `make check-arm64-kernels`: the C kernels compile for aarch64, warnings as errors, with the x86 paths
# left out by their `__x86_64__` guards: this catches an intrinsic or header left unguarded. Only the C
# part: the Swift toolchain here has no aarch64 standard library to build the rest against, and the
# Swift sources hold no architecture-specific code. Clang (the toolchain's) with Debian's aarch64 libc
# headers; a few seconds, after the packages' download the first time.
#
# `make test-portable-kernels`: the prediction suites (every model kind, bit for bit against
# scikit-learn, XGBoost and LightGBM) once more with EVSERVE_SIMD=none, which makes this x86 machine
# take the portable kernels too. About 45 s.
APT_TEST_PACKAGES += libc6-dev-arm64-cross
PY_TEST_TARGETS += check-arm64-kernels test-portable-kernels
ARM64_SYSROOT := /usr/aarch64-linux-gnu

.PHONY: check-arm64-kernels test-portable-kernels

check-arm64-kernels: test-deps
	@for source in Sources/CTreeKernels/*.c; do \
		clang --target=aarch64-linux-gnu --sysroot=$(ARM64_SYSROOT) -isystem $(ARM64_SYSROOT)/include \
			-O2 -Wall -Werror -I Sources/CTreeKernels/include -c -o /dev/null $$source || exit 1; \
	done; echo "check-arm64-kernels: every C kernel compiles for aarch64"

# After test-swift, whose build leaves .build/debug/evserve in place (built again here, at no cost, if run alone).
test-portable-kernels: test-deps
	$(SWIFT) build --product evserve
	EVSERVE_SIMD=none EVSERVE_BIN=$(CURDIR)/.build/debug/evserve $(TEST_PYTHON) -m pytest -q \
		tests/test_sklearn_models.py tests/test_gbm_models.py
