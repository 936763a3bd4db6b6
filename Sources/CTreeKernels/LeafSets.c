// A few rows through trees of up to 32 leaves, of any depth, with AVX2: the few-rows path of boosting grown
// leaf by leaf (LightGBM's default 31 leaves, scikit-learn's HistGradientBoosting, whose trees reach depths
// of 10 to 20) on CPUs without AVX-512. A walk of such a tree takes one dependent load a level; here, as
// QuickScorer does (Lucchese et al. 2015), each tree's reachable leaves are a set of 32 bits, every node
// the row goes right at removes the leaves of its left subtree, and the leaf reached is the lowest one
// left. Trees go 32 at a time: each node slot's outcome for 32 trees is one lookup of the row's rank bytes
// and one compare on byte lanes (ByteRanks.h), which clears its trees' sets where the row went right: each
// set is four byte planes, so the outcome clears them on its own lanes. Then each row's leaf values are
// added to its sum in tree order, in float64 or, for float32 sums, in float, so every sum is the one the
// training library computes.
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
/// outcome_avx2 takes them, `width` their width), stored at `out`. Each tree's set of leaves is four byte
/// planes (set[k]: its leaves 8k … 8k + 7), cleared where the outcome's byte is all ones by the slot's
/// planes of clearing masks, so the outcomes stay on their byte lanes: widened to 32-bit lanes (four
/// sign extensions and their shifts a slot) they cost a quarter more instructions.
AVX2_TARGET __attribute__((always_inline))
static inline void leaves_in(const ctk_byte_trees *f, int64_t block, const __m256i *ranks, uint8_t *out, const int width) {
    const int64_t positions = f->positions;
    const uint8_t *feature = f->nodeFeature + block * positions * 32, *rank = f->nodeRank + block * positions * 32;
    const uint8_t *clear = f->nodeClear + block * positions * 128;
    __m256i set[4];
    for (int k = 0; k < 4; k++) set[k] = _mm256_set1_epi8(-1);
    for (int64_t p = 0; p < positions; p++) {
        const __m256i right = outcome_avx2(feature, rank, (int)p, ranks, width);
        for (int k = 0; k < 4; k++) {
            const __m256i cleared = _mm256_loadu_si256((const __m256i *)(clear + 128 * p + 32 * k));
            set[k] = _mm256_andnot_si256(_mm256_and_si256(right, cleared), set[k]);
        }
    }
    // The lowest leaf left (the set is never empty: no left subtree holds the last leaf): in each plane its
    // lowest bit, by a lookup of each nibble's (8 for none), 8 k added and 255 where the plane is empty; the
    // lowest plane's wins.
    const __m256i lowestBit = _mm256_setr_epi8(8, 0, 1, 0, 2, 0, 1, 0, 3, 0, 1, 0, 2, 0, 1, 0, 8, 0, 1, 0, 2, 0, 1, 0, 3, 0, 1, 0, 2, 0, 1, 0);
    const __m256i nibble = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
    __m256i leaf = _mm256_set1_epi8(-1);
    for (int k = 0; k < 4; k++) {
        const __m256i low = _mm256_shuffle_epi8(lowestBit, _mm256_and_si256(set[k], nibble));
        const __m256i high = _mm256_shuffle_epi8(lowestBit, _mm256_and_si256(_mm256_srli_epi16(set[k], 4), nibble));
        const __m256i bit = _mm256_min_epu8(low, _mm256_add_epi8(high, _mm256_set1_epi8(4)));  // 8 (or 12) for none
        const __m256i none = _mm256_cmpeq_epi8(_mm256_min_epu8(bit, eight), eight);
        leaf = _mm256_min_epu8(leaf, _mm256_or_si256(_mm256_add_epi8(bit, _mm256_set1_epi8((char)(8 * k))), none));
    }
    _mm256_store_si256((__m256i *)out, leaf);
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
    if (ctk_byte_lanes() < 1 || f->depth != 0 || f->positions > 31 || f->slotCount > 64 || f->outputCount < 1
        || f->outputCount > ctk_max_byte_outputs) abort();  // callers check first
    add_byte_rows(f, leavesOf[(f->slotCount > 16) + (f->slotCount > 32)], 5, keys, rowCount, acc);
#else
    (void)f; (void)keys; (void)rowCount; (void)acc;
    abort();  // callers ask ctk_byte_lanes() first
#endif
}
