# `make bench-allocs`: heap allocations per request for POST /predict, GET / and v2 infer
# (bench/alloc_per_request.py), evserve's release build running under tools/malloc-count's
# LD_PRELOAD library. Counts, not timings: the numbers hold on a busy machine.
# ALLOC_N sets the requests per window; the library is built next to the release build, never committed.
ALLOC_SCRATCH ?= .build
ALLOC_N ?= 2000
MALLOC_COUNT_LIB := $(ALLOC_SCRATCH)/malloc-count/libmalloc_count.so
# The Swift toolchain brings clang; a system compiler does as well.
MALLOC_COUNT_CC ?= $(shell command -v clang || command -v cc)

.PHONY: bench-allocs

$(MALLOC_COUNT_LIB): tools/malloc-count/malloc_count.c
	@mkdir -p $(dir $@)
	$(MALLOC_COUNT_CC) -O2 -shared -fPIC -Wall -Wextra -o $@ $<

bench-allocs: deps $(MALLOC_COUNT_LIB)
	$(SWIFT) build -c release --product evserve --scratch-path $(ALLOC_SCRATCH)
	$(PYTHON) bench/alloc_per_request.py --evserve $(ALLOC_SCRATCH)/release/evserve --library $(MALLOC_COUNT_LIB) -n $(ALLOC_N)

# `make bench-instructions`: user-space instructions per POST /predict under valgrind's callgrind
# (bench/instructions_per_request.py): a count that repeats on a busy machine, for comparing builds of
# the request path. INSTR_BASELINE=path/to/evserve adds a second build, measured the same way;
# INSTR_ROUTE=v2 counts v2 inference requests instead.
INSTR_ROUNDS ?= 50
INSTR_ROUTE ?= predict
.PHONY: bench-instructions
bench-instructions: deps
	$(call apt_install,valgrind binutils)
	$(SWIFT) build -c release --product evserve --scratch-path $(ALLOC_SCRATCH)
	$(PYTHON) bench/instructions_per_request.py --rounds $(INSTR_ROUNDS) --route $(INSTR_ROUTE) \
		$(if $(INSTR_BASELINE),--evserve $(INSTR_BASELINE)) --evserve $(ALLOC_SCRATCH)/release/evserve

# `make bench-cache`: cache misses per POST /predict at 10 000 connections under valgrind's cache
# simulation (bench/cache_misses_per_request.py; about 5 minutes a build). CACHE_BASELINE=path/to/evserve
# adds a second build, measured the same way.
CACHE_CONNECTIONS ?= 10000
.PHONY: bench-cache
bench-cache: deps
	$(call apt_install,valgrind binutils)
	$(SWIFT) build -c release --product evserve --scratch-path $(ALLOC_SCRATCH)
	$(PYTHON) bench/cache_misses_per_request.py --connections $(CACHE_CONNECTIONS) \
		$(if $(CACHE_BASELINE),--evserve $(CACHE_BASELINE)) --evserve $(ALLOC_SCRATCH)/release/evserve
