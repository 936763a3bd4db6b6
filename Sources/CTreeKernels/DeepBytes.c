// A few rows through trees of depth 5–8 on byte lanes, with AVX2: the few-rows path of deeper gradient
// boosting (scikit-learn's max_depth 5–8, XGBoost's default depth 6) on CPUs without AVX-512. A walk moves
// a row down one level at a time, each level a dependent load; on an AMD Zen 3 that cost about 4.5 cycles a
// level a tree-row, 8 ns a tree at depth 6. Here no row walks: as ShallowBytes.c does at depth 4, trees go
// 32 at a time, one byte lane each. At each level every tree's node on the row's path is picked from the
// level's 2^d nodes by byte blends of their feature and rank bytes, adjacent nodes first (they differ in
// the last outcome above), then pairs of pairs, as DeepLanes.c picks for a block of rows; then one lookup
// of the row's rank bytes and one compare decide the 32 picked nodes (ByteRanks.h says how). The D
// outcomes' bits number the leaf, left to right, one byte a tree. Each row's leaf values are then added to
// its sum in tree order, in float64 or, for XGBoost's float32 sums, in float, so every sum is the one the
// training library computes.
//
// A forest's features become up to 64 rank slots: a feature of more than 255 threshold keys takes a slot
// for each 255 of them (CTreeKernels.h), so scikit-learn's exact splits fit too. A row's rank in a slot is
// searched in two steps of 16 keys (ranks_by_search).
//
// Each depth and slot width has its own fully unrolled leaf function (depth 8: 494 blends a block), which
// the row loop (ByteRows.h) calls for each row and block.
//
// What it costs grows as 2^D a tree where a walk's grows as D: every node's two bytes are read (from L2 for
// the first row, at depth 8 16 KB a block) and blended. InferenceBench on an AMD Zen 3, XGBoost's 200 trees
// on 20 features, best of 6 alternating runs, ns a row at 2 rows, the walks -> here: depth 5 1,440 -> 362,
// depth 6 1,648 -> 479, depth 7 1,997 -> 751, depth 8 2,184 -> 1,258; scikit-learn's
// GradientBoostingRegressor (300 trees of depth 6 on 10 features, one of 632 keys) 2,421 -> 673, and a
// RandomForestRegressor of 100 trees of depth 8 1,403 -> 887. Deciding every node and blending the
// outcomes (the first version) measured 662 at depth 6 and 2,353 at depth 8, and comparing each row with
// every key for its ranks (ranks_of) took 140 ns a row of that 662.
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

/// The leaf (0 … 2^depth − 1) of each of the 32 trees whose nodes are at `feature` and `rank`, for the
/// row whose rank tables are `ranks` (as rank_of_slot takes them, `width` its width), one byte a tree.
/// Each level's node on the path is picked first, its feature and rank bytes by blends of the level's
/// nodes', and then its outcome alone is looked up and compared.
/// `pending[j]` holds a merged run of 2^j of a level's nodes waiting for its partner, as a binary
/// counter carries; the leaf collects the levels' outcomes as 2 × leaf − outcome (an outcome is 0 or −1).
AVX2_TARGET __attribute__((always_inline))
static inline __m256i leaves_in(const uint8_t *feature, const uint8_t *rank, const __m256i *ranks, const int depth,
                                const int width) {
    __m256i above[8], leaf = _mm256_setzero_si256();
#pragma clang loop unroll(full)
    for (int d = 0; d < depth; d++) {
        __m256i pendingF[8], pendingR[8];
#pragma clang loop unroll(full)
        for (int p = 0; p < (1 << d); p++) {
            const int q = (1 << d) - 1 + p;
            __m256i xf = _mm256_loadu_si256((const __m256i *)(feature + 32 * q));
            __m256i xr = _mm256_loadu_si256((const __m256i *)(rank + 32 * q));
            int j = 0;
#pragma clang loop unroll(full)
            for (; j < d && ((p >> j) & 1); j++) {
                xf = _mm256_blendv_epi8(pendingF[j], xf, above[d - 1 - j]);
                xr = _mm256_blendv_epi8(pendingR[j], xr, above[d - 1 - j]);
            }
            pendingF[j] = xf;
            pendingR[j] = xr;
        }
        above[d] = _mm256_cmpgt_epi8(rank_of_slot(pendingF[d], ranks, width), pendingR[d]);
        leaf = _mm256_sub_epi8(_mm256_add_epi8(leaf, leaf), above[d]);
    }
    return leaf;
}

/// One block's leaves for one row (ByteRows.h's leaves_fn): a function per depth and rank width (rank_of_slot's),
/// so that each is unrolled once and shared by every row loop.
#define LEAVES_FUNCTION(depth, width) \
    AVX2_TARGET __attribute__((noinline)) static void leaves_##depth##_##width(const ctk_byte_trees *f, int64_t block, \
                                                                               const __m256i *ranks, uint8_t *out) { \
        const int64_t at = block * ((1 << depth) - 1) * 32; \
        _mm256_store_si256((__m256i *)out, leaves_in(f->nodeFeature + at, f->nodeRank + at, ranks, depth, width)); \
    }
#define LEAVES_OF_WIDTH(width) LEAVES_FUNCTION(5, width) LEAVES_FUNCTION(6, width) LEAVES_FUNCTION(7, width) LEAVES_FUNCTION(8, width)
LEAVES_OF_WIDTH(0) LEAVES_OF_WIDTH(1) LEAVES_OF_WIDTH(2)
#undef LEAVES_OF_WIDTH
#undef LEAVES_FUNCTION

#endif

void ctk_deep_bytes_add(const ctk_byte_trees *f, const int32_t *keys, int64_t rowCount, double *acc) {
#if defined(__x86_64__)
    // [depth − 5][rank width: at most 16, 32 or 64 slots]
    static const leaves_fn leavesOf[4][3] = {{leaves_5_0, leaves_5_1, leaves_5_2}, {leaves_6_0, leaves_6_1, leaves_6_2},
                                             {leaves_7_0, leaves_7_1, leaves_7_2}, {leaves_8_0, leaves_8_1, leaves_8_2}};
    if (ctk_byte_lanes() < 1 || f->depth < 5 || f->depth > 8 || f->slotCount > 64 || f->outputCount < 1
        || f->outputCount > ctk_max_byte_outputs) abort();  // callers check first
    add_byte_rows(f, leavesOf[f->depth - 5][(f->slotCount > 16) + (f->slotCount > 32)], (int)f->depth, keys, rowCount, acc);
#else
    (void)f; (void)keys; (void)rowCount; (void)acc;
    abort();  // callers ask ctk_byte_lanes() first
#endif
}
