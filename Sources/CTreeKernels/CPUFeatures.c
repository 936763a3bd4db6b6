// Which instruction sets the kernels use on this CPU (ctk_best_isa; ctk_byte_lanes for the byte-lane
// kernel) and how they gather (ctk_prefers_narrow_gathers), each decided once per process;
// EVSERVE_SIMD and EVSERVE_GATHERS override them (CTreeKernels.h).
#include "CTreeKernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

/// The value `decide` answers, worked out on the first call and kept in `cache` (−1 until then). Every
/// thread that races here computes the same value, so relaxed loads and stores are enough.
static int decided_once(_Atomic int *cache, int (*decide)(void)) {
    int value = atomic_load_explicit(cache, memory_order_relaxed);
    if (value < 0) {
        value = decide();
        atomic_store_explicit(cache, value, memory_order_relaxed);
    }
    return value;
}

static _Atomic int best_isa = -1;

static int detect(void) {
    int best = 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    // Level 2 needs the byte, conflict-detection and vector-length extensions too (QuickScorer.c,
    // ShallowAcross.c, RankEncode.c).
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd")
        && __builtin_cpu_supports("avx512vl")) best = 2;
    else if (__builtin_cpu_supports("avx2")) best = 1;
#endif
    const char *wanted = getenv("EVSERVE_SIMD");
    if (wanted && strcmp(wanted, "avx2") == 0 && best > 1) best = 1;
    if (wanted && strcmp(wanted, "none") == 0) best = 0;
    return best;
}

int ctk_best_isa(void) {
    return decided_once(&best_isa, detect);
}

static _Atomic int narrow_gathers = -1;

static int detect_narrow_gathers(void) {
    int narrow = 0;
#if defined(__x86_64__)
    unsigned eax, ebx, ecx, edx;
    // "AuthenticAMD" in ebx, edx, ecx; family = base family + extended family (CPUID leaf 1).
    if (__get_cpuid(0, &eax, &ebx, &ecx, &edx) && ebx == 0x68747541 && edx == 0x69746e65 && ecx == 0x444d4163
        && __get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        const unsigned family = ((eax >> 8) & 0xF) + ((eax >> 20) & 0xFF);
        narrow = family == 0x19 && ctk_best_isa() == 2;
    }
#endif
    const char *wanted = getenv("EVSERVE_GATHERS");
    if (wanted && strcmp(wanted, "narrow") == 0) narrow = 1;
    if (wanted && strcmp(wanted, "wide") == 0) narrow = 0;
    return narrow;
}

int ctk_prefers_narrow_gathers(void) {
    return decided_once(&narrow_gathers, detect_narrow_gathers);
}

static _Atomic int byte_lanes = -1;

static int detect_byte_lanes(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (ctk_best_isa() == 2 && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bitalg")) return 2;
#endif
    return ctk_best_isa() >= 1 ? 1 : 0;
}

int ctk_byte_lanes(void) {
    return decided_once(&byte_lanes, detect_byte_lanes);
}
