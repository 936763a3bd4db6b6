// A few rows through trees of up to 32 leaves, of any depth, with AVX2: the few-rows path of boosting grown
// leaf by leaf (LightGBM's default 31 leaves, scikit-learn's HistGradientBoosting, whose trees reach depths
// of 10 to 20) on CPUs without AVX-512. A walk of such a tree takes one dependent load a level; here, as
// QuickScorer does (Lucchese et al. 2015), each tree's reachable leaves are a set of 32 bits, every node
// the row goes right at removes the leaves of its left subtree, and the leaf reached is the lowest one
// left. Trees go 32 at a time: each node slot's outcome for 32 trees is one lookup of the row's rank bytes
// and one compare on byte lanes (ByteRanks.h), widened to four vectors of 32-bit lanes, each clearing its
// trees' sets where the row went right. Then each row's leaf values are added to its sum in tree order,
// in float64 or, for float32 sums, in float, so every sum is the one the training library computes.
//
// The next block's leaves are found before this block's values are added, so the chain of additions
// overlaps them; rows share the leaf function, one row after the other, and two rows' chains of additions
// interleave.
//
// Memory: every pointer is the caller's, borrowed for the call.
#include "CTreeKernels.h"

#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2_TARGET __attribute__((target("avx2")))

#include "ByteRanks.h"

/// The leaf (0–31) of each of block `block`'s 32 trees for the row whose ranks are in ranksLow/ranksHigh
/// (as outcome_avx2 takes them), stored at `out`. `wide`: more than 16 slots.
AVX2_TARGET __attribute__((always_inline))
static inline void leaves_in(const ctk_byte_trees *f, int64_t block, __m256i ranksLow, __m256i ranksHigh, uint32_t *out, const int wide) {
    const int64_t positions = f->positions;
    const uint8_t *feature = f->nodeFeature + block * positions * 32, *rank = f->nodeRank + block * positions * 32;
    const uint32_t *clear = f->nodeClear + block * positions * 32;
    __m256i set[4];
    for (int k = 0; k < 4; k++) set[k] = _mm256_set1_epi32(-1);
    for (int64_t p = 0; p < positions; p++) {
        const __m256i right = outcome_avx2(feature, rank, (int)p, ranksLow, ranksHigh, wide);
        // Trees 8k … 8k + 7's outcomes, one 32-bit lane each (all ones where the row went right).
        const __m128i low = _mm256_castsi256_si128(right), high = _mm256_extracti128_si256(right, 1);
        const __m256i lanes[4] = {_mm256_cvtepi8_epi32(low), _mm256_cvtepi8_epi32(_mm_srli_si128(low, 8)),
                                  _mm256_cvtepi8_epi32(high), _mm256_cvtepi8_epi32(_mm_srli_si128(high, 8))};
        for (int k = 0; k < 4; k++) {
            const __m256i cleared = _mm256_loadu_si256((const __m256i *)(clear + 32 * p + 8 * k));
            set[k] = _mm256_andnot_si256(_mm256_and_si256(lanes[k], cleared), set[k]);
        }
    }
    // The lowest leaf left: its bit alone (never none: no left subtree holds the last leaf), whose index is
    // its exponent as a float (2^31, negative as an int, converts to −2^31: the same exponent).
    for (int k = 0; k < 4; k++) {
        const __m256i lowest = _mm256_and_si256(set[k], _mm256_sub_epi32(_mm256_setzero_si256(), set[k]));
        const __m256i exponent = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(lowest)), 23), _mm256_set1_epi32(0xFF));
        _mm256_storeu_si256((__m256i *)(out + 8 * k), _mm256_sub_epi32(exponent, _mm256_set1_epi32(127)));
    }
}

typedef void (*leaves_fn)(const ctk_byte_trees *f, int64_t block, const __m256i *ranks, uint32_t *out);
AVX2_TARGET __attribute__((noinline)) static void leaves_narrow(const ctk_byte_trees *f, int64_t block, const __m256i *ranks, uint32_t *out) {
    leaves_in(f, block, ranks[0], ranks[1], out, 0);
}
AVX2_TARGET __attribute__((noinline)) static void leaves_wide(const ctk_byte_trees *f, int64_t block, const __m256i *ranks, uint32_t *out) {
    leaves_in(f, block, ranks[0], ranks[1], out, 1);
}

/// Adds `rows` (1 or 2) consecutive rows' leaf values in tree order to their sums (`acc[0 ..< rows]`, the
/// rows' keys from `keys`): in double, or, when `single`, in float from values32 (each addition rounded to
/// float, as XGBoost adds; the sums come and go as floats widened to double).
AVX2_TARGET __attribute__((always_inline))
static inline void add_rows_in(const ctk_byte_trees *f, leaves_fn leaves, const int32_t *keys, double *acc, const int rows,
                               const int single) {
    const int64_t blocks = (f->treeCount + 31) / 32;
    // Per row: its rank bytes' low 16 slots in both halves, then the high 16 (outcome_avx2's operands).
    __m256i ranks[2], lanes[2][2];
    ranks_by_search(f, keys, keys + (rows > 1) * f->featureCount, &ranks[0], &ranks[1]);
    for (int r = 0; r < rows; r++) {
        lanes[r][0] = _mm256_permute2x128_si256(ranks[r], ranks[r], 0x00);
        lanes[r][1] = _mm256_permute2x128_si256(ranks[r], ranks[r], 0x11);
    }
    double sum[2];
    float sum32[2];
    for (int r = 0; r < rows; r++) {
        sum[r] = acc[r];
        sum32[r] = (float)acc[r];
    }
    uint32_t leaf[2][2][32] __attribute__((aligned(32)));
    for (int r = 0; r < rows; r++) leaves(f, 0, lanes[r], leaf[0][r]);
    for (int64_t block = 0; block < blocks; block++) {
        const int cur = block & 1;
        if (block + 1 < blocks) {
            for (int r = 0; r < rows; r++) leaves(f, block + 1, lanes[r], leaf[cur ^ 1][r]);
        }
        const int64_t n = f->treeCount - block * 32 < 32 ? f->treeCount - block * 32 : 32;
        for (int64_t j = 0; j < n; j++) {
            const int64_t tree = (block * 32 + j) * 32;
            for (int r = 0; r < rows; r++) {
                if (single) {
                    sum32[r] += f->values32[tree + leaf[cur][r][j]];
                } else {
                    sum[r] += f->values[tree + leaf[cur][r][j]];
                }
            }
        }
    }
    for (int r = 0; r < rows; r++) acc[r] = single ? (double)sum32[r] : sum[r];
}

#define ROWS_FUNCTION(rows, single) \
    AVX2_TARGET static void add_rows_##rows##_##single(const ctk_byte_trees *f, leaves_fn leaves, const int32_t *keys, double *acc) { \
        add_rows_in(f, leaves, keys, acc, rows, single); \
    }
ROWS_FUNCTION(1, 0) ROWS_FUNCTION(2, 0) ROWS_FUNCTION(1, 1) ROWS_FUNCTION(2, 1)
#undef ROWS_FUNCTION

#endif

void ctk_leaf_sets_add(const ctk_byte_trees *f, const int32_t *keys, int64_t rowCount, double *acc) {
#if defined(__x86_64__)
    if (ctk_byte_lanes() < 1 || f->depth != 0 || f->positions > 31 || f->slotCount > 32) abort();  // callers check first
    const leaves_fn leaves = f->slotCount > 16 ? leaves_wide : leaves_narrow;
    const int single = f->values32 != 0;
    int64_t r = 0;
    for (; r + 1 < rowCount; r += 2) {
        (single ? add_rows_2_1 : add_rows_2_0)(f, leaves, keys + r * f->featureCount, acc + r);
    }
    if (r < rowCount) (single ? add_rows_1_1 : add_rows_1_0)(f, leaves, keys + r * f->featureCount, acc + r);
#else
    (void)f; (void)keys; (void)rowCount; (void)acc;
    abort();  // callers ask ctk_byte_lanes() first
#endif
}
