# `make fuzz-http FUZZ_SECONDS=60`: libFuzzer on HTTP1's request parser (fuzz/http/HTTPFuzz.swift), from
# the seed corpus in fuzz/corpus/http. The corpus is copied to a temporary folder, so a run never adds
# files to the repository; an input that breaks an invariant is kept in .build-fuzz/crashes/ (make it a
# unit test). `make test` runs it for 60 s.
FUZZ_SECONDS ?= 60
FUZZ_SCRATCH ?= .build-fuzz
FUZZ_CRASHES = $(abspath $(FUZZ_SCRATCH))/crashes/
# -DFUZZING: libFuzzer's driver replaces the corpus replayer's @main; `Extern` lets Swift declare
# libFuzzer's C entry point without a C target.
FUZZ_SWIFT_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING \
	-Xswiftc -enable-experimental-feature -Xswiftc Extern
PY_TEST_TARGETS += fuzz-http

.PHONY: fuzz-http

fuzz-http: deps
	$(SWIFT) build --scratch-path $(FUZZ_SCRATCH) -c debug --product HTTPFuzz $(FUZZ_SWIFT_FLAGS)
	@mkdir -p $(FUZZ_CRASHES)
	@work=$$(mktemp -d) && trap 'rm -rf "$$work"' EXIT && cp fuzz/corpus/http/* "$$work/" && \
	$(FUZZ_SCRATCH)/debug/HTTPFuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -dict=fuzz/http.dict \
		-artifact_prefix=$(FUZZ_CRASHES) "$$work" 2>&1 | grep -vE '^#[0-9]+.*(NEW|REDUCE)'; \
	exit $${PIPESTATUS[0]}

# `make fuzz-xgboost` / `make fuzz-lightgbm`: libFuzzer on evserve's model loading from the seed files
# in fuzz/corpus/xgboost (JSON and UBJSON) and fuzz/corpus/lightgbm (text models), same scheme as above;
# one target, ModelFileFuzz (fuzz/model-file), reads every format; a file that loads must also predict. -rss_limit_mb catches unbounded allocation,
# -timeout a hang.
PY_TEST_TARGETS += fuzz-xgboost fuzz-lightgbm

.PHONY: fuzz-xgboost fuzz-lightgbm

fuzz-xgboost fuzz-lightgbm: fuzz-%: deps
	$(SWIFT) build --scratch-path $(FUZZ_SCRATCH) -c debug --product ModelFileFuzz $(FUZZ_SWIFT_FLAGS)
	@mkdir -p $(FUZZ_CRASHES)
	@work=$$(mktemp -d) && trap 'rm -rf "$$work"' EXIT && cp fuzz/corpus/$*/* "$$work/" && \
	$(FUZZ_SCRATCH)/debug/ModelFileFuzz -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -rss_limit_mb=2048 \
		-timeout=20 -max_len=65536 -artifact_prefix=$(FUZZ_CRASHES) "$$work" 2>&1 | grep -vE '^#[0-9]+.*(NEW|REDUCE)'; \
	exit $${PIPESTATUS[0]}
