// One row's trees of depth ≤ 4 evaluated 16 at a time (AVX-512), for a few rows: every node of 16
// complete trees at one heap position is compared at once — the row's keys of their features come
// from one or two registers by permutation (no gathers, hence at most 32 features) — and each node
// that sends the row right removes its left subtree's leaves from its tree's 16-bit set
// (QuickScorer's rule: the leaf reached is the lowest one left). The leaves' values are then added
// in tree order, two rows' sums at once, so every sum is the one scikit-learn computes.
//
// Memory: every pointer is the caller's, borrowed for the call; `leaf` is the caller's scratch.
#include "CTreeKernels.h"

#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>

/// Writes the index in `values` of each tree's leaf for the row whose keys are `row`.
__attribute__((target("avx512f,avx512cd")))
static void leaves_avx512(const ctk_shallow *f, const int32_t *row, int32_t *leaf) {
    const __mmask16 low = (__mmask16)(f->featureCount >= 16 ? 0xFFFF : (1u << f->featureCount) - 1);
    const __m512i keysLow = _mm512_maskz_loadu_epi32(low, row);
    const __mmask16 high = (__mmask16)(f->featureCount <= 16 ? 0 : f->featureCount >= 32 ? 0xFFFF : (1u << (f->featureCount - 16)) - 1);
    const __m512i keysHigh = _mm512_maskz_loadu_epi32(high, row + 16);
    const int positions = (1 << f->depth) - 1;
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int64_t t = 0; t < f->treeCount; t += 16) {
        __m512i left = _mm512_set1_epi32(-1);
        for (int p = 0; p < positions; p++) {
            const __m512i feature = _mm512_loadu_si512(f->feature + p * f->treeStride + t);
            const __m512i threshold = _mm512_loadu_si512(f->threshold + p * f->treeStride + t);
            const __m512i key = _mm512_permutex2var_epi32(keysLow, feature, keysHigh);
            const __mmask16 right = _mm512_cmpgt_epi32_mask(key, threshold);
            left = _mm512_mask_and_epi32(left, right, left, _mm512_set1_epi32(f->keptWhenRight[p]));
        }
        const __m512i lowest = _mm512_and_si512(left, _mm512_sub_epi32(_mm512_setzero_si512(), left));
        const __m512i place = _mm512_sub_epi32(_mm512_set1_epi32(31), _mm512_lzcnt_epi32(lowest));
        const __m512i tree = _mm512_add_epi32(_mm512_set1_epi32((int32_t)t), lane);
        _mm512_storeu_si512(leaf + t, _mm512_add_epi32(_mm512_slli_epi32(tree, f->depth), place));
    }
}
#endif

void ctk_shallow_add(const ctk_shallow *f, const int32_t *keys, int64_t rowCount, double *acc, int32_t *leaf) {
#if defined(__x86_64__)
    const double *values = f->values;
    int64_t r = 0;
    for (; r + 1 < rowCount; r += 2) {
        int32_t *a = leaf, *b = leaf + f->treeStride;
        leaves_avx512(f, keys + r * f->featureCount, a);
        leaves_avx512(f, keys + (r + 1) * f->featureCount, b);
        double sumA = acc[r], sumB = acc[r + 1];
        for (int64_t t = 0; t < f->treeCount; t++) {
            sumA += values[a[t]];
            sumB += values[b[t]];
        }
        acc[r] = sumA;
        acc[r + 1] = sumB;
    }
    if (r < rowCount) {
        leaves_avx512(f, keys + r * f->featureCount, leaf);
        double sum = acc[r];
        for (int64_t t = 0; t < f->treeCount; t++) sum += values[leaf[t]];
        acc[r] = sum;
    }
#else
    (void)f; (void)keys; (void)rowCount; (void)acc; (void)leaf;
    abort();  // callers check ctk_best_isa() == 2 first
#endif
}
