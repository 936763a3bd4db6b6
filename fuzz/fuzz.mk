# libFuzzer targets, one per reader of untrusted bytes, each from its seed corpus in fuzz/corpus/<name>:
#   make fuzz-http           HTTP1's request parser and path templates (fuzz/http/HTTPFuzz.swift)
#   make fuzz-xgboost        model loading from XGBoost JSON/UBJSON files  } one executable, ModelFileFuzz
#   make fuzz-lightgbm       model loading from LightGBM text files         } (fuzz/model-file), which reads
#   make fuzz-evserve-trees  model loading from evserve.trees files         } every format by content
#   make fuzz-json           JSON's reader against Foundation's JSONSerialization (fuzz/json)
#   make fuzz-predict-body   the /predict body's fast reader against its general path (fuzz/predict-body)
#   make fuzz-v2-request     the v2 inference request reader, JSON and binary tensors (fuzz/v2-request)
# `make fuzz` runs them all, FUZZ_SECONDS each (60 by default). The corpus is copied to a temporary folder,
# so a run never adds files to the repository; an input that breaks an invariant is kept in
# .build-fuzz/crashes/ (make it a unit test, and add it to the corpus). `make test` runs each target
# for FUZZ_TEST_SECONDS (30), to fit CI's budget.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 30
FUZZ_SCRATCH ?= .build-fuzz
FUZZ_CRASHES = $(abspath $(FUZZ_SCRATCH))/crashes/
# -DFUZZING: libFuzzer's driver replaces the corpus replayer's @main; `Extern` lets Swift declare
# libFuzzer's C entry point without a C target.
FUZZ_SWIFT_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING \
	-Xswiftc -enable-experimental-feature -Xswiftc Extern
# Swift's own crash backtracer would catch a trap before libFuzzer and ASan do, and under ASan it hangs
# instead of exiting: libFuzzer must see the crash to save the input.
FUZZ_ENV := SWIFT_BACKTRACE=enable=no
# -rss_limit_mb and -malloc_limit_mb catch unbounded allocation, -timeout a hang.
FUZZ_LIMITS := -rss_limit_mb=2048 -timeout=20

# $(call fuzz_run,executable,corpus folder,seconds,more libFuzzer flags): builds the executable (the
# modules it uses are compiled once with the sanitizers, in $(FUZZ_SCRATCH), and shared by every target)
# and runs it from a copy of the corpus.
define fuzz_run
	$(SWIFT) build --scratch-path $(FUZZ_SCRATCH) -c debug --product $(1) $(FUZZ_SWIFT_FLAGS)
	@mkdir -p $(FUZZ_CRASHES)
	@work=$$(mktemp -d) && trap 'rm -rf "$$work"' EXIT && cp fuzz/corpus/$(2)/* "$$work/" && \
	$(FUZZ_ENV) $(FUZZ_SCRATCH)/debug/$(1) -max_total_time=$(3) -print_final_stats=1 $(4) \
		-artifact_prefix=$(FUZZ_CRASHES) "$$work" 2>&1 | grep -vE '^#[0-9]+.*(NEW|REDUCE)'; \
	exit $${PIPESTATUS[0]}
endef

# Every target takes FUZZ_TEST_SECONDS under `make test`, FUZZ_SECONDS otherwise.
FUZZ_RUN_SECONDS ?= $(FUZZ_SECONDS)
test: FUZZ_RUN_SECONDS = $(FUZZ_TEST_SECONDS)

PY_TEST_TARGETS += fuzz-http fuzz-xgboost fuzz-lightgbm fuzz-evserve-trees fuzz-json fuzz-predict-body fuzz-v2-request

.PHONY: fuzz fuzz-http fuzz-xgboost fuzz-lightgbm fuzz-evserve-trees fuzz-json fuzz-predict-body fuzz-v2-request

fuzz: fuzz-http fuzz-xgboost fuzz-lightgbm fuzz-evserve-trees fuzz-json fuzz-predict-body fuzz-v2-request

fuzz-http: deps
	$(call fuzz_run,HTTPFuzz,http,$(FUZZ_RUN_SECONDS),-dict=fuzz/http.dict)

# A file that loads must also predict (ModelChecks).
fuzz-xgboost fuzz-lightgbm: fuzz-%: deps
	$(call fuzz_run,ModelFileFuzz,$*,$(FUZZ_RUN_SECONDS),$(FUZZ_LIMITS) -max_len=65536)

fuzz-evserve-trees: deps
	$(call fuzz_run,ModelFileFuzz,evserve-trees,$(FUZZ_RUN_SECONDS),$(FUZZ_LIMITS) -max_len=65536 -dict=fuzz/json.dict)

fuzz-json: deps
	$(call fuzz_run,JSONFuzz,json,$(FUZZ_RUN_SECONDS),$(FUZZ_LIMITS) -max_len=4096 -dict=fuzz/json.dict)

# Bodies are at most a few KiB here, so any allocation past 256 MiB is one the body did not pay for.
fuzz-predict-body: deps
	$(call fuzz_run,PredictBodyFuzz,predict-body,$(FUZZ_RUN_SECONDS),$(FUZZ_LIMITS) -malloc_limit_mb=256 -max_len=4096 -dict=fuzz/json.dict)

fuzz-v2-request: deps
	$(call fuzz_run,V2RequestFuzz,v2-request,$(FUZZ_RUN_SECONDS),$(FUZZ_LIMITS) -malloc_limit_mb=256 -max_len=8192 -dict=fuzz/json.dict)
