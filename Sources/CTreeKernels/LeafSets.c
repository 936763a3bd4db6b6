// A few rows through trees of up to 32 leaves, of any depth, with AVX2: the few-rows path of boosting grown
// leaf by leaf (LightGBM's default 31 leaves, scikit-learn's HistGradientBoosting, whose trees reach depths
// of 10 to 20) on CPUs without AVX-512. A walk of such a tree takes one dependent load a level; here, as
// QuickScorer does (Lucchese et al. 2015), each tree's reachable leaves are a set of 32 bits, every node
// the row goes right at removes the leaves of its left subtree, and the leaf reached is the lowest one
// left. Trees go 32 at a time: each node slot's outcome for 32 trees is one lookup of the row's rank bytes
// and one compare on byte lanes (ByteRanks.h), widened to four vectors of 32-bit lanes, each clearing its
// trees' sets where the row went right. Then each row's leaf values are added to its sum in tree order,
// in float64 or, for float32 sums, in float, so every sum is the one the training library computes.
// The row loop is ByteRows.h's.
//
// Memory: every pointer is the caller's, borrowed for the call.
#include "CTreeKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2_TARGET __attribute__((target("avx2")))

#include "ByteRanks.h"
#include "ByteRows.h"

/// The leaf (0–31) of each of block `block`'s 32 trees for the row whose rank tables are `ranks` (as
/// outcome_avx2 takes them, `width` their width), stored at `out`.
AVX2_TARGET __attribute__((always_inline))
static inline void leaves_in(const ctk_byte_trees *f, int64_t block, const __m256i *ranks, uint8_t *out, const int width) {
    const int64_t positions = f->positions;
    const uint8_t *feature = f->nodeFeature + block * positions * 32, *rank = f->nodeRank + block * positions * 32;
    const uint32_t *clear = f->nodeClear + block * positions * 32;
    __m256i set[4];
    for (int k = 0; k < 4; k++) set[k] = _mm256_set1_epi32(-1);
    for (int64_t p = 0; p < positions; p++) {
        const __m256i right = outcome_avx2(feature, rank, (int)p, ranks, width);
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
    __m256i leaf[4];
    for (int k = 0; k < 4; k++) {
        const __m256i lowest = _mm256_and_si256(set[k], _mm256_sub_epi32(_mm256_setzero_si256(), set[k]));
        const __m256i exponent = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(lowest)), 23), _mm256_set1_epi32(0xFF));
        leaf[k] = _mm256_sub_epi32(exponent, _mm256_set1_epi32(127));
    }
    // Packed to bytes in tree order: the packs work within 128-bit halves, so the 32-bit groups come out
    // as trees 0–3, 8–11, 16–19, 24–27, 4–7, 12–15, 20–23, 28–31, and one permutation orders them.
    const __m256i packed = _mm256_packus_epi16(_mm256_packus_epi32(leaf[0], leaf[1]), _mm256_packus_epi32(leaf[2], leaf[3]));
    _mm256_store_si256((__m256i *)out, _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

/// One function per rank width (rank_of_slot's: at most 16, 32 or 64 slots).
#define LEAVES_FUNCTION(width) \
    AVX2_TARGET __attribute__((noinline)) static void leaves_##width(const ctk_byte_trees *f, int64_t block, const __m256i *ranks, \
                                                                     uint8_t *out) { \
        leaves_in(f, block, ranks, out, width); \
    }
LEAVES_FUNCTION(0) LEAVES_FUNCTION(1) LEAVES_FUNCTION(2)
#undef LEAVES_FUNCTION

#endif

void ctk_leaf_sets_add(const ctk_byte_trees *f, const int32_t *keys, int64_t rowCount, double *acc) {
#if defined(__x86_64__)
    static const leaves_fn leavesOf[3] = {leaves_0, leaves_1, leaves_2};
    if (ctk_byte_lanes() < 1 || f->depth != 0 || f->positions > 31 || f->slotCount > 64) abort();  // callers check first
    add_byte_rows(f, leavesOf[(f->slotCount > 16) + (f->slotCount > 32)], 5, keys, rowCount, acc);
#else
    (void)f; (void)keys; (void)rowCount; (void)acc;
    abort();  // callers ask ctk_byte_lanes() first
#endif
}
