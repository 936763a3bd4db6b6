// Input values to the int32 keys every layout compares (see CompiledForest.inputKey in Swift): the
// conversion runs once per input value, so for a single deep tree it costs about as much as the walk.
//
// Memory: `values` and `keys` are the caller's, borrowed for the call.
#include "CTreeKernels.h"

#include <math.h>
#include <string.h>

static inline int32_t key_of(double value) {
    const float single = (float)value + 0.0f;  // adding +0 turns −0 into +0
    if (single != single) return INT32_MAX;
    int32_t bits;
    memcpy(&bits, &single, sizeof bits);
    return bits ^ ((bits >> 31) & 0x7FFFFFFF);
}

/// key_of for values[from ..< count], and whether any of them is NaN.
static int keys_of(const double *values, int64_t from, int64_t count, int32_t *keys) {
    int missing = 0;
    for (int64_t i = from; i < count; i++) missing |= (keys[i] = key_of(values[i])) == INT32_MAX;
    return missing;
}

#if defined(__x86_64__)
#include <immintrin.h>

/// Each returns whether any value is NaN.
__attribute__((target("avx512f,avx512vl")))
static int keys_avx512(const double *values, int64_t count, int32_t *keys) {
    int64_t i = 0;
    __mmask8 missing = 0;
    // The sign flip in one ternary op, NaN by a compare's mask (a single deep tree at 4096 rows spent a
    // fifth of its time here). 16 keys a step on 512-bit vectors measured slower on a forest of depth 8.
    const __m256i magnitude = _mm256_set1_epi32(0x7FFFFFFF), nan = _mm256_set1_epi32(INT32_MAX);
    for (; i + 8 <= count; i += 8) {
        const __m512d x = _mm512_loadu_pd(values + i);
        const __m256 single = _mm256_add_ps(_mm512_cvtpd_ps(x), _mm256_setzero_ps());
        const __m256i bits = _mm256_castps_si256(single);
        // bits ^ (sign & magnitude): ternary-logic table 0x78 is a ^ (b & c).
        __m256i key = _mm256_ternarylogic_epi32(bits, _mm256_srai_epi32(bits, 31), magnitude, 0x78);
        const __mmask8 unordered = _mm256_cmp_ps_mask(single, single, _CMP_UNORD_Q);
        missing |= unordered;
        key = _mm256_mask_mov_epi32(key, unordered, nan);
        _mm256_storeu_si256((__m256i *)(keys + i), key);
    }
    const int tail = keys_of(values, i, count, keys);
    return missing != 0 || tail;
}

__attribute__((target("avx2")))
static int keys_avx2(const double *values, int64_t count, int32_t *keys) {
    int64_t i = 0;
    const __m128i magnitude = _mm_set1_epi32(0x7FFFFFFF), nan = _mm_set1_epi32(INT32_MAX);
    __m128 missing = _mm_setzero_ps();
    for (; i + 4 <= count; i += 4) {
        const __m128 single = _mm_add_ps(_mm256_cvtpd_ps(_mm256_loadu_pd(values + i)), _mm_setzero_ps());
        const __m128i bits = _mm_castps_si128(single);
        __m128i key = _mm_xor_si128(bits, _mm_and_si128(_mm_srai_epi32(bits, 31), magnitude));
        const __m128 unordered = _mm_cmpunord_ps(single, single);
        missing = _mm_or_ps(missing, unordered);
        key = _mm_blendv_epi8(key, nan, _mm_castps_si128(unordered));
        _mm_storeu_si128((__m128i *)(keys + i), key);
    }
    const int tail = keys_of(values, i, count, keys);
    return _mm_movemask_ps(missing) != 0 || tail;
}
#endif

int ctk_input_keys(const double *values, int64_t count, int32_t *keys) {
#if defined(__x86_64__)
    const int isa = ctk_best_isa();
    if (isa == 2) return keys_avx512(values, count, keys);
    if (isa == 1) return keys_avx2(values, count, keys);
#endif
    return keys_of(values, 0, count, keys);
}
