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

/// The leaves (indices in `values`) of 16 trees from tree t on, for the row whose keys are in
/// (low, high): QuickScorer's rule on each tree's 16-bit set of leaves.
__attribute__((target("avx512f,avx512cd"), always_inline))
static inline __m512i leaves16(const ctk_shallow *f, int64_t t, __m512i low, __m512i high) {
    const int positions = (1 << f->depth) - 1;
    __m512i left = _mm512_set1_epi32(-1);
    for (int p = 0; p < positions; p++) {
        const __m512i feature = _mm512_loadu_si512(f->feature + p * f->treeStride + t);
        const __m512i threshold = _mm512_loadu_si512(f->threshold + p * f->treeStride + t);
        const __mmask16 right = _mm512_cmpgt_epi32_mask(_mm512_permutex2var_epi32(low, feature, high), threshold);
        left = _mm512_mask_and_epi32(left, right, left, _mm512_set1_epi32(f->keptWhenRight[p]));
    }
    const __m512i lowest = _mm512_and_si512(left, _mm512_sub_epi32(_mm512_setzero_si512(), left));
    const __m512i place = _mm512_sub_epi32(_mm512_set1_epi32(31), _mm512_lzcnt_epi32(lowest));
    const __m512i tree = _mm512_add_epi32(_mm512_set1_epi32((int32_t)t),
                                          _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    return _mm512_add_epi32(_mm512_slli_epi32(tree, f->depth), place);
}

/// Adds each tree's leaf value, in tree order, to one or two rows' sums (`second` nil: one row).
/// The leaves of 16 trees are found, then their values added at once, so the next 16 trees' compares
/// overlap the chain of additions (which, kept in order, is what bounds a row).
__attribute__((target("avx512f,avx512cd")))
static void add_rows(const ctk_shallow *f, const int32_t *first, const int32_t *second, double *sumFirst, double *sumSecond) {
    const __mmask16 lowMask = (__mmask16)(f->featureCount >= 16 ? 0xFFFF : (1u << f->featureCount) - 1);
    const __mmask16 highMask = (__mmask16)(f->featureCount <= 16 ? 0 : f->featureCount >= 32 ? 0xFFFF : (1u << (f->featureCount - 16)) - 1);
    const __m512i lowA = _mm512_maskz_loadu_epi32(lowMask, first), highA = _mm512_maskz_loadu_epi32(highMask, first + 16);
    const int32_t *other = second ? second : first;
    const __m512i lowB = _mm512_maskz_loadu_epi32(lowMask, other), highB = _mm512_maskz_loadu_epi32(highMask, other + 16);
    const double *values = f->values;
    double a = *sumFirst, b = second ? *sumSecond : 0;
    int32_t leafA[16], leafB[16];
    for (int64_t t = 0; t < f->treeCount; t += 16) {
        const int64_t n = f->treeCount - t < 16 ? f->treeCount - t : 16;
        _mm512_storeu_si512(leafA, leaves16(f, t, lowA, highA));
        if (second) _mm512_storeu_si512(leafB, leaves16(f, t, lowB, highB));
        if (second) {
            for (int64_t j = 0; j < n; j++) {
                a += values[leafA[j]];
                b += values[leafB[j]];
            }
        } else {
            for (int64_t j = 0; j < n; j++) a += values[leafA[j]];
        }
    }
    *sumFirst = a;
    if (second) *sumSecond = b;
}
#endif

void ctk_shallow_add(const ctk_shallow *f, const int32_t *keys, int64_t rowCount, double *acc, int32_t *leaf) {
#if defined(__x86_64__)
    (void)leaf;
    int64_t r = 0;
    for (; r + 1 < rowCount; r += 2) {
        add_rows(f, keys + r * f->featureCount, keys + (r + 1) * f->featureCount, acc + r, acc + r + 1);
    }
    if (r < rowCount) add_rows(f, keys + r * f->featureCount, 0, acc + r, 0);
#else
    (void)f; (void)keys; (void)rowCount; (void)acc; (void)leaf;
    abort();  // callers check ctk_best_isa() == 2 first
#endif
}
