// QuickScorer (Lucchese et al., SIGIR 2015) on byte lanes (a row a byte, 32 rows a 256-bit vector) with
// AVX-512, for trees of at most 64 leaves (gradient boosting's, histogram boosting's, XGBoost's): see
// CTreeKernels.h for the layout.
//
// Per pass of up to 256 rows (8 vectors of 32): each row's input key becomes its bin in every threshold segment (how many of
// the segment's keys are below it, 0...255; 16 rows a vector: a compare per key, a search tree in
// registers, or buckets and a branch-free binary search, by the feature's key count). Then
// tree by tree: every split compares its rank with 32 rows' bins in one byte compare, and where a
// row goes right, the split's left subtree's leaves leave the row's set of reachable leaves (8 bytes
// a row, one bit a leaf, leaves numbered left to right). The leaf the row reaches is the lowest one
// left: every leaf left of it lies in the left subtree of a split on its path that sent the row
// right, and no split removes it: its index is the count of trailing removed leaves. The splits'
// order does not matter, so there are no dependent loads and no branches on the data. The leaves' values are then picked by permutes and blends, and added to each row's sum, tree by tree in order, so every sum is
// the one the training library computes (float64, or float32 as XGBoost adds).
//
// Memory: every pointer is the caller's, borrowed for the call; `scratch` is the caller's too
// (ctk_quickscorer_scratch_bytes, 64-byte aligned).
#include "CTreeKernels.h"

#include <stdlib.h>

/// Rows a find_leaves vector holds: 256-bit vectors, as Zen 4 splits 512-bit operations in two anyway, and
/// a 256-bit byte compare yields its bytes (0xFF or 0) directly where a 512-bit one yields a mask that
/// costs another operation to spread (reference model at 4096 rows: 177 -> 172 ns a row).
enum { LANES = 32 };
/// Rows a pass takes: up to 8 vectors, so that each split's record is read and broadcast once for 256
/// rows (GradientBoosting 300×d6 at 4096 rows, 128 rows against 64: 353 -> 327 ns a row; the reference
/// model, 256 against 128: 172 -> 157); a pass of fewer rows does 1, 2 or 4 vectors' work only.
enum { VECTORS = 8, PASS = VECTORS * LANES };
/// Features with at most this many keys count them one compare each; more, and fewer than 128 keys
/// (CTreeKernels.h's searchKeys; QuickScorerForest builds them for the same features), by a search tree
/// in registers; 128 and more by buckets and gathers (fill_bins). Measured: one compare a key up to 64
/// keys against buckets, GradientBoostingClassifier on breast cancer (~47 keys a feature): 140 -> 110 ns a
/// row at 4096 rows; the tree against those from 65 keys on, reference model (~67 keys a feature): 137 ->
/// 129, and from 17 on: 124 -> 120 at 4096 rows, the classifier 100 -> 95 at 64 rows.
enum { SEARCH_TREE_FROM = 16 };

/// Trees of at most 16 leaves adding to one raw score go four at a time (add_block): their leaves
/// found first, then each 8 rows' sums loaded once, the four trees' values added in tree order, and
/// stored once.
enum { TREES_TOGETHER = 4 };

static int64_t align64(int64_t bytes) { return (bytes + 63) & ~(int64_t)63; }

/// The vectors of a pass over `rowCount` rows (of the rows left): 1, 2, 4 or VECTORS.
static int vectors_for(int64_t rowCount) {
    return rowCount > 4 * LANES ? VECTORS : rowCount > 2 * LANES ? 4 : rowCount > LANES ? 2 : 1;
}

/// Rows each scratch array holds in a pass of `vectors` vectors: fewer rows, less memory to touch, but at
/// least 128 rows' (a 64-row stride measured slower at 32 and 64 rows: 452 -> 427, 227 -> 216 ns a row),
/// a multiple of 128 (the split records' offsets are at 128).
static int64_t pass_stride(int vectors) { return LANES * (vectors < 4 ? 4 : vectors); }

int64_t ctk_quickscorer_scratch_bytes(const ctk_quickscorer *f, int64_t rowCount) {
    const int64_t pass = pass_stride(vectors_for(rowCount));
    return align64(f->segmentCount * pass)             // bins
         + align64((f->featureCount + 1) * pass)       // per feature, 0xFF for the rows whose value is missing
         + align64(f->outputCount * pass * 8)          // sums, output-major
         + TREES_TOGETHER * pass;                      // the leaves reached, of up to TREES_TOGETHER trees
}

#if defined(__x86_64__)
#include <immintrin.h>

#define KERNEL_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))

/// Vectors of 16 rows whose counts fill_bins interleaves (2 in a pass of 32 rows).
enum { COUNTS_TOGETHER = 4 };

/// With `pass` = pass_stride(vectors), bins[s * pass + r] (row r's bin in segment s, its top bit flipped: find_leaves compares signed
/// bytes) and missing[f * pass + r] (0xFF where row r's value of f is missing; missing[featureCount *
/// pass + r] = 0) for `count` rows of `keys`.
KERNEL_TARGET __attribute__((always_inline))
static inline void fill_bins_by(const ctk_quickscorer *f, const int32_t *keys, int64_t count, uint8_t *bins, uint8_t *missing,
                                int vectors, const int together) {
    const int64_t pass = pass_stride(vectors);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i top = _mm512_set1_epi32(INT32_MAX);
    for (int64_t feature = 0; feature < f->featureCount; feature++) {
        const int32_t *sorted = f->tableKeys + f->featureStart[feature];
        const int32_t n = f->featureKeyCount[feature];
        int bucket = 16;
        while (n / bucket > 32) bucket *= 2;
        // Fewer than 128 keys: the feature's search tree in 8 registers (see CTreeKernels.h); each level
        // is a permute, a compare and a masked add, where a binary search gathers.
        const int levels = n == 0 ? 0 : 32 - __builtin_clz((unsigned)n);
        const int32_t *tree = f->searchKeys + f->searchStart[feature];
        __m512i level[8];
        if (n > SEARCH_TREE_FROM && n < 128) {
            for (int q = 0; q < 8; q++) level[q] = _mm512_loadu_si512(tree + 16 * q);
        }
        // `together` vectors of 16 rows at a time: each count is a chain of dependent operations, and
        // chains side by side overlap (reference model, 4 against 1: 130 -> 124 ns a row at 4096 rows).
        for (int v = 0; v < vectors * LANES / 16; v += together) {
            __m512i x[COUNTS_TOGETHER], below[COUNTS_TOGETHER];
            for (int u = 0; u < together; u++) {
                const int64_t first = 16 * (int64_t)(v + u);
                const __mmask16 valid = first >= count ? 0 : count - first >= 16 ? 0xFFFF : (__mmask16)((1u << (count - first)) - 1);
                const __m512i offsets = _mm512_mullo_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32((int32_t)first)),
                                                           _mm512_set1_epi32((int32_t)f->featureCount));
                x[u] = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), valid,
                                                   _mm512_add_epi32(offsets, _mm512_set1_epi32((int32_t)feature)), keys, 4);
                _mm_store_si128((__m128i *)(missing + feature * pass + first), _mm_movm_epi8(_mm512_mask_cmpeq_epi32_mask(valid, x[u], top)));
                // below = how many sorted keys are < x.
                below[u] = _mm512_setzero_si512();
            }
            if (n > SEARCH_TREE_FROM && n < 128) {
                // Node i (from 1) goes to 2i or 2i + 1 (its key below x); after L levels i − 2^L is the count.
                __m512i node[COUNTS_TOGETHER];
                const __m512i one = _mm512_set1_epi32(1), bit5 = _mm512_set1_epi32(32);
                for (int u = 0; u < together; u++) node[u] = one;
                for (int s = 1; s <= levels; s++) {
                    for (int u = 0; u < together; u++) {
                        __m512i probe;
                        if (s <= 5) {
                            probe = _mm512_permutex2var_epi32(level[0], node[u], level[1]);
                        } else if (s == 6) {
                            probe = _mm512_permutex2var_epi32(level[2], node[u], level[3]);
                        } else {
                            probe = _mm512_mask_blend_epi32(_mm512_test_epi32_mask(node[u], bit5),
                                                            _mm512_permutex2var_epi32(level[4], node[u], level[5]),
                                                            _mm512_permutex2var_epi32(level[6], node[u], level[7]));
                        }
                        node[u] = _mm512_add_epi32(node[u], node[u]);
                        node[u] = _mm512_mask_add_epi32(node[u], _mm512_cmplt_epi32_mask(probe, x[u]), node[u], one);
                    }
                }
                for (int u = 0; u < together; u++) below[u] = _mm512_sub_epi32(node[u], _mm512_set1_epi32(1 << levels));
            } else if (n <= SEARCH_TREE_FROM) {
                // Few keys: a compare per key costs less than a search's gathers.
                for (int32_t k = 0; k < n; k++) {
                    const __m512i key = _mm512_set1_epi32(sorted[k]);
                    for (int u = 0; u < together; u++) {
                        below[u] = _mm512_mask_add_epi32(below[u], _mm512_cmpgt_epi32_mask(x[u], key), below[u], _mm512_set1_epi32(1));
                    }
                }
            } else {
                // More keys: a linear count over every bucket-th key (at most 32 of them), then a binary search
                // inside the bucket (measured: GradientBoostingRegressor 300×d6 on diabetes, hundreds of keys a
                // feature, 325 -> 298 ns a row at 4096 rows, against a binary search over all the keys).
                // Every key up to the last one of each full bucket below x is below x: `below` becomes a
                // multiple of the bucket, and the count lies within the next bucket.
                for (int32_t end = bucket; end <= n; end += bucket) {
                    const __m512i key = _mm512_set1_epi32(sorted[end - 1]);
                    for (int u = 0; u < together; u++) {
                        below[u] = _mm512_mask_add_epi32(below[u], _mm512_cmpgt_epi32_mask(x[u], key), below[u], _mm512_set1_epi32(bucket));
                    }
                }
                // Add each power of two whose step stays below x.
                for (int step = bucket / 2; step > 0; step >>= 1) {
                    for (int u = 0; u < together; u++) {
                        const __m512i candidate = _mm512_add_epi32(below[u], _mm512_set1_epi32(step));
                        const __mmask16 inside = _mm512_cmple_epi32_mask(candidate, _mm512_set1_epi32(n));
                        const __m512i probe = _mm512_mask_i32gather_epi32(top, inside, _mm512_sub_epi32(candidate, _mm512_set1_epi32(1)), sorted, 4);
                        below[u] = _mm512_mask_mov_epi32(below[u], _mm512_mask_cmplt_epi32_mask(inside, probe, x[u]), candidate);
                    }
                }
            }
            for (int32_t s = f->featureSegmentStart[feature]; s < f->featureSegmentStart[feature + 1]; s++) {
                const __m512i offset = _mm512_set1_epi32(f->segmentStart[s] - f->featureStart[feature]);
                for (int u = 0; u < together; u++) {
                    const __m512i bin = _mm512_min_epi32(_mm512_max_epi32(_mm512_sub_epi32(below[u], offset), _mm512_setzero_si512()),
                                                         _mm512_set1_epi32(f->segmentKeyCount[s]));
                    _mm_store_si128((__m128i *)(bins + s * pass + 16 * (v + u)), _mm_xor_si128(_mm512_cvtepi32_epi8(bin), _mm_set1_epi8((char)0x80)));
                }
            }
        }
    }
    for (int64_t r = 0; r < vectors * LANES; r += LANES) _mm256_store_si256((__m256i *)(missing + f->featureCount * pass + r), _mm256_setzero_si256());
}

KERNEL_TARGET static void fill_bins_2(const ctk_quickscorer *f, const int32_t *keys, int64_t count, uint8_t *bins, uint8_t *missing,
                                      int vectors) { fill_bins_by(f, keys, count, bins, missing, vectors, 2); }
KERNEL_TARGET static void fill_bins_4(const ctk_quickscorer *f, const int32_t *keys, int64_t count, uint8_t *bins, uint8_t *missing,
                                      int vectors) { fill_bins_by(f, keys, count, bins, missing, vectors, COUNTS_TOGETHER); }

/// fill_bins_by with 2 vectors together in a pass of 32 rows (no rows past it), else COUNTS_TOGETHER.
KERNEL_TARGET
static void fill_bins(const ctk_quickscorer *f, const int32_t *keys, int64_t count, uint8_t *bins, uint8_t *missing, int vectors) {
    if (vectors == 1) fill_bins_2(f, keys, count, bins, missing, vectors); else fill_bins_4(f, keys, count, bins, missing, vectors);
}

/// Per row (byte lane), how many of the low bits of `removed` are set below its lowest clear bit
/// (0...8): the index of the lowest leaf a group's removed leaves leave, 8 when they leave none.
/// `popcount`: the CPU has AVX-512 BITALG's byte popcount (Zen 4, Ice Lake on), which counts them in one
/// operation instead of six (reference model at 4096 rows: 151 -> 141 ns a row).
KERNEL_TARGET __attribute__((always_inline))
static inline __m256i trailing_ones(__m256i removed, const int popcount) {
    // removed & ~(removed + 1) keeps exactly the trailing ones (~(x + 1) is 0xFE − x in a byte).
    const __m256i ones = _mm256_and_si256(removed, _mm256_sub_epi8(_mm256_set1_epi8((char)0xFE), removed));
    if (popcount) {
        // vpopcntb as an instruction, not the intrinsic: the intrinsic would need the BITALG target
        // on every function this inlines into, and the kernels without it call this too (where
        // `popcount` is 0 and this is never reached).
        __m256i count;
        __asm__("vpopcntb %1, %0" : "=v"(count) : "v"(ones));
        return count;
    }
    // Counted a nibble at a time, a nibble of trailing ones being 0, 1, 3, 7 or 15.
    const __m256i count = _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4));
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    return _mm256_add_epi8(_mm256_shuffle_epi8(count, _mm256_and_si256(ones, nibble)),
                           _mm256_shuffle_epi8(count, _mm256_and_si256(_mm256_srli_epi16(ones, 4), nibble)));
}

/// Writes the pass's rows' leaf of tree t (its index among the tree's leaves, a byte each) to `leaf`.
/// Each group's removed leaves are gathered in registers (one per 32 rows) over its records, then that
/// group's lowest leaf left (if any) overrides the higher groups'.
KERNEL_TARGET __attribute__((always_inline))
static inline void find_leaves(const ctk_quickscorer *f, int64_t t, const uint8_t *bins, const uint8_t *missing,
                               uint8_t *leaf, int routesMissing, const int vectors, const int popcount) {
    const int64_t pass = pass_stride(vectors);
    const int32_t firstGroup = f->treeGroupStart[t], endGroup = f->treeGroupStart[t + 1];
    int32_t i = firstGroup == 0 ? 0 : f->groupNodeEnd[firstGroup - 1];
    __m256i reached[PASS / LANES];
    for (int v = 0; v < vectors; v++) reached[v] = _mm256_setzero_si256();
    for (int32_t group = firstGroup; group < endGroup; group++) {
        __m256i removed[PASS / LANES];
        for (int v = 0; v < vectors; v++) removed[v] = _mm256_setzero_si256();
        for (const int32_t end = f->groupNodeEnd[group]; i < end; i++) {
            const int32_t *node = f->nodes + 4 * (int64_t)i;
            const __m256i bound = _mm256_set1_epi32(node[1]), bits = _mm256_set1_epi32(node[3]);
            // node[0] and node[2] are offsets at a 128-row stride (a shift for 256: one instruction less
            // a record for every smaller pass; reference model at 32 rows: 322 -> 299 ns a row).
            for (int v = 0; v < vectors; v++) {
                // Signed bytes (bins and bound have their top bit flipped): rank + 1 > bin is going left.
                __m256i left = _mm256_cmpgt_epi8(bound, _mm256_load_si256((const __m256i *)(bins + (int64_t)node[0] * (pass / 128) + LANES * v)));
                if (routesMissing) left = _mm256_or_si256(left, _mm256_load_si256((const __m256i *)(missing + (int64_t)node[2] * (pass / 128) + LANES * v)));
                // removed |= ~left & bits (ternary-logic table 0xF2: a | (~b & c)).
                removed[v] = _mm256_ternarylogic_epi32(removed[v], left, bits, 0xF2);
            }
        }
        // Groups are taken in order: a row's leaf is the sum of its groups' trailing ones up to its first
        // group that leaves a leaf (the earlier ones count 8 each), so a group adds its count only where
        // the sum so far is 8 per earlier group.
        for (int v = 0; v < vectors; v++) {
            const __m256i ones = trailing_ones(removed[v], popcount);
            reached[v] = group == firstGroup ? ones
                       : _mm256_mask_add_epi8(reached[v], _mm256_cmpeq_epi8_mask(reached[v], _mm256_set1_epi8((char)(8 * (group - firstGroup)))),
                                              reached[v], ones);
        }
    }
    for (int v = 0; v < vectors; v++) _mm256_store_si256((__m256i *)(leaf + LANES * v), reached[v]);
}

KERNEL_TARGET __attribute__((always_inline))
static inline void add_block(const ctk_quickscorer *f, const int32_t *keys, int64_t count, double *acc, uint8_t *scratch,
                      int routesMissing, int float32Sums, const int vectors, const int popcount) {
    const int64_t pass = pass_stride(vectors);
    uint8_t *bins = scratch;
    uint8_t *missing = scratch + align64(f->segmentCount * pass);
    double *sums = (double *)(missing + align64((f->featureCount + 1) * pass));
    float *sums32 = (float *)sums;
    uint8_t *leaf = (uint8_t *)sums + align64(f->outputCount * pass * 8);

    fill_bins(f, keys, count, bins, missing, vectors);
    for (int64_t k = 0; k < f->outputCount; k++) {
        for (int64_t r = 0; r < vectors * LANES; r++) {
            const double start = r < count ? acc[r * f->outputCount + k] : 0;
            if (float32Sums) sums32[k * pass + r] = (float)start; else sums[k * pass + r] = start;
        }
    }
    for (int64_t t = 0; t < f->treeCount; t++) {
        if (!float32Sums && t + TREES_TOGETHER <= f->treeCount) {
            int small = 1;
            for (int q = 0; q < TREES_TOGETHER; q++) {
                small &= f->treeLeafCount[t + q] <= 16 && f->treeOutput[t + q] == f->treeOutput[t];
            }
            if (small) {
                __m512d v[TREES_TOGETHER][2];
                for (int q = 0; q < TREES_TOGETHER; q++) {
                    find_leaves(f, t + q, bins, missing, leaf + q * pass, routesMissing, vectors, popcount);
                    const double *values = f->values + f->treeValueStart[t + q];
                    const int leaves = f->treeLeafCount[t + q];
                    for (int h = 0; h < 2; h++) {
                        const int rest = leaves - 8 * h;
                        v[q][h] = rest <= 0 ? _mm512_setzero_pd()
                                : _mm512_maskz_loadu_pd(rest >= 8 ? 0xFF : (__mmask8)((1u << rest) - 1), values + 8 * h);
                    }
                }
                double *sum = sums + f->treeOutput[t] * pass;
                for (int j = 0; j < vectors * LANES / 8; j++) {
                    __m512d s8 = _mm512_load_pd(sum + 8 * j);
                    for (int q = 0; q < TREES_TOGETHER; q++) {
                        const __m512i index = _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)(leaf + q * pass + 8 * j)));
                        s8 = _mm512_add_pd(s8, _mm512_permutex2var_pd(v[q][0], index, v[q][1]));
                    }
                    _mm512_store_pd(sum + 8 * j, s8);
                }
                t += TREES_TOGETHER - 1;
                continue;
            }
        }
        find_leaves(f, t, bins, missing, leaf, routesMissing, vectors, popcount);
        const int32_t leaves = f->treeLeafCount[t];
        if (float32Sums) {
            const float *values = f->values32 + f->treeValueStart[t];
            float *sum = sums32 + f->treeOutput[t] * pass;
            // As the float64 values below: up to 64 leaves in 4 registers (masked loads), picked by
            // permutes within 32 and a blend by the index's bit 5.
            __m512 v[4];
            for (int q = 0; q < 4; q++) {
                const int rest = leaves - 16 * q;
                v[q] = rest <= 0 ? _mm512_setzero_ps()
                     : _mm512_maskz_loadu_ps(rest >= 16 ? 0xFFFF : (__mmask16)((1u << rest) - 1), values + 16 * q);
            }
            const __m512i bit5 = _mm512_set1_epi32(32);
            for (int j = 0; j < vectors * LANES / 16; j++) {
                const __m512i index = _mm512_cvtepu8_epi32(_mm_load_si128((const __m128i *)(leaf + 16 * j)));
                __m512 value = _mm512_permutex2var_ps(v[0], index, v[1]);
                if (leaves > 32) {
                    value = _mm512_mask_blend_ps(_mm512_test_epi32_mask(index, bit5), value, _mm512_permutex2var_ps(v[2], index, v[3]));
                }
                _mm512_store_ps(sum + 16 * j, _mm512_add_ps(_mm512_load_ps(sum + 16 * j), value));
            }
        } else {
            const double *values = f->values + f->treeValueStart[t];
            double *sum = sums + f->treeOutput[t] * pass;
            // Up to 64 leaves' values held in 8 registers (masked loads: the last tree's values end the
            // array): a leaf's value is picked by permutes within 16 and blends by the index's bits 4
            // and 5, which costs less than a gather.
            __m512d v[8];
            for (int q = 0; q < 8; q++) {
                const int rest = leaves - 8 * q;
                v[q] = rest <= 0 ? _mm512_setzero_pd()
                     : _mm512_maskz_loadu_pd(rest >= 8 ? 0xFF : (__mmask8)((1u << rest) - 1), values + 8 * q);
            }
            const __m512i bit4 = _mm512_set1_epi64(16), bit5 = _mm512_set1_epi64(32);
            for (int j = 0; j < vectors * LANES / 8; j++) {
                const __m512i index = _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)(leaf + 8 * j)));
                __m512d value = _mm512_permutex2var_pd(v[0], index, v[1]);
                if (leaves > 16) {
                    const __mmask8 upper16 = _mm512_test_epi64_mask(index, bit4);
                    value = _mm512_mask_blend_pd(upper16, value, _mm512_permutex2var_pd(v[2], index, v[3]));
                    if (leaves > 32) {
                        __m512d high = _mm512_permutex2var_pd(v[4], index, v[5]);
                        high = _mm512_mask_blend_pd(upper16, high, _mm512_permutex2var_pd(v[6], index, v[7]));
                        value = _mm512_mask_blend_pd(_mm512_test_epi64_mask(index, bit5), value, high);
                    }
                }
                _mm512_store_pd(sum + 8 * j, _mm512_add_pd(_mm512_load_pd(sum + 8 * j), value));
            }
        }
    }
    for (int64_t r = 0; r < count; r++) {
        for (int64_t k = 0; k < f->outputCount; k++) {
            acc[r * f->outputCount + k] = float32Sums ? (double)sums32[k * pass + r] : sums[k * pass + r];
        }
    }
}

// One function per (routesMissing, float32Sums, vectors a pass, byte popcount), so each inner loop
// carries no test of them.
#define ADD_BLOCK(m, f32, h, p) \
    KERNEL_TARGET static void add_block_##m##f32##_##h##p(const ctk_quickscorer *f, const int32_t *k, int64_t n, double *a, \
                                                          uint8_t *s) { add_block(f, k, n, a, s, m, f32, h, p); }
#define ADD_BLOCKS(h, p) ADD_BLOCK(0, 0, h, p) ADD_BLOCK(0, 1, h, p) ADD_BLOCK(1, 0, h, p) ADD_BLOCK(1, 1, h, p)
ADD_BLOCKS(1, 0) ADD_BLOCKS(2, 0) ADD_BLOCKS(4, 0) ADD_BLOCKS(8, 0)
ADD_BLOCKS(1, 1) ADD_BLOCKS(2, 1) ADD_BLOCKS(4, 1) ADD_BLOCKS(8, 1)
typedef void (*add_block_fn)(const ctk_quickscorer *, const int32_t *, int64_t, double *, uint8_t *);
#endif

void ctk_quickscorer_add(const ctk_quickscorer *f, const int32_t *keys, int64_t rowCount, double *acc, void *scratch) {
#if defined(__x86_64__)
    // [popcount][log2(vectors)][routesMissing][float32Sums]
#define KERNELS(h, p) {{add_block_00_##h##p, add_block_01_##h##p}, {add_block_10_##h##p, add_block_11_##h##p}}
    static const add_block_fn kernels[2][4][2][2] = {{KERNELS(1, 0), KERNELS(2, 0), KERNELS(4, 0), KERNELS(8, 0)},
                                                     {KERNELS(1, 1), KERNELS(2, 1), KERNELS(4, 1), KERNELS(8, 1)}};
#undef KERNELS
    __builtin_cpu_init();
    const int popcount = __builtin_cpu_supports("avx512bitalg") != 0;
    for (int64_t first = 0; first < rowCount; first += PASS) {
        const int64_t count = rowCount - first < PASS ? rowCount - first : PASS;
        // A pass of fewer rows does fewer vectors' work.
        const int vectors = vectors_for(count);
        kernels[popcount][vectors == 8 ? 3 : vectors / 2][f->routesMissing != 0][f->float32Sums != 0](
            f, keys + first * f->featureCount, count, acc + first * f->outputCount, scratch);
    }
#else
    (void)f; (void)keys; (void)rowCount; (void)acc; (void)scratch;
    abort();  // callers check ctk_best_isa() == 2 first
#endif
}
