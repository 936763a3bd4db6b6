# `make bench-validation`: what reading a /predict body costs (release ValidationBench): evserve's
# fast reader and general path beside Foundation's JSONSerialization and JSONDecoder, same run.
# Where SwiftPM builds the benchmark; a workspace that must not touch .build can point elsewhere.
VALIDATION_SCRATCH ?= .build

.PHONY: bench-validation

bench-validation: deps
	$(SWIFT) build -c release --scratch-path $(VALIDATION_SCRATCH) --product ValidationBench
	$(VALIDATION_SCRATCH)/release/ValidationBench
