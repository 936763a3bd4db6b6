// Many rows through trees of depth ≤ 4 on byte lanes, with AVX2: the batch path of shallow forests (the
// reference model's) on CPUs without AVX-512, where QuickScorer.c cannot run. ShallowBytes.c puts 32
// trees on the lanes and one row; here the lanes hold 32 rows, and the trees go one at a time.
//
// A block of 32 rows first gets its decisions: for each of the forest's distinct threshold keys, 32
// bytes saying which rows' inputs are above it (all ones: the row goes right) or not. Every node of
// every tree then reads its 32 rows' outcomes with one load: the reference model's 7,500 nodes share
// its ~600 keys, so this costs a compare a key instead of one a node.
//
// The path through a tree of depth 4 is picked from its 15 outcomes by blends (1 at the second level, 3
// at the third, 7 at the fourth), and the outcomes' bits number the leaf: 8·right₀ + 4·right₁ +
// 2·right₂ + right₃. Leaf values are read a byte at a time: byte k of the 16 leaves' values is a 16-byte
// table (a plane), which pshufb indexes by the leaf for 32 rows at once; the planes of a double's 8
// bytes (a float's 4) are then transposed into each row's value by unpacks. Each row's values are added
// in tree order, on four (float64) or eight (float32) rows a vector, so every sum is the one
// scikit-learn (or XGBoost) computes.
//
// Memory: every pointer is the caller's, borrowed for the call, a block's decisions included (scratch).
#include "CTreeKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2_TARGET __attribute__((target("avx2")))

#include "PathLeaf.h"

/// Each row's leaf (0–15, left to right) in its byte, for tree `node`'s 15 nodes and the block's decisions.
AVX2_TARGET __attribute__((always_inline))
static inline __m256i paths(const uint32_t *node, const uint8_t *right) {
    // A node is its decision's byte offset: one load a node, the decision's folded into its blend.
#define RIGHT(p) _mm256_load_si256((const __m256i *)(right + node[p]))
    const __m256i leaf = LEAF_FROM_OUTCOMES(RIGHT);
#undef RIGHT
    return leaf;
}

/// Plane k of a tree's leaf values looked up for the 32 rows of `v`.
AVX2_TARGET __attribute__((always_inline))
static inline __m256i plane(const int32_t *planes, int k, __m256i v) {
    return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(planes + 4 * k))), v);
}

/// Row r of a block is at byte r of the decisions. After the unpacks, float32 vector g (0–3) holds rows
/// 4g … 4g + 3, 16 + 4g … 19 + 4g; float64 vector k (0–7) holds rows [4g, 4g+1, 16+4g, 17+4g] for k = 2g,
/// [4g+2, 4g+3, 18+4g, 19+4g] for k = 2g + 1. The row in lane l:
static inline int row_of_float(int g, int l) { return 4 * g + (l % 4) + 16 * (l / 4); }
static inline int row_of_double(int k, int l) { return 4 * (k / 2) + 2 * (k % 2) + (l % 2) + 16 * (l / 2); }

/// Adds every tree's leaf value in tree order to the block's 32 sums (`acc`, by row; floats for float32).
AVX2_TARGET __attribute__((always_inline))
static inline void block_add(const ctk_byte_trees *f, const ctk_row_lanes *lanes, const uint8_t *right, double *acc, const int single) {
    if (single) {
        __m256 sum[4];
        for (int g = 0; g < 4; g++) {
            float in[8];
            for (int l = 0; l < 8; l++) in[l] = (float)acc[row_of_float(g, l)];
            sum[g] = _mm256_loadu_ps(in);
        }
        __m256i next = paths(lanes->nodes, right);
        for (int64_t t = 0; t < f->treeCount; t++) {
            const __m256i v = next;
            if (t + 1 < f->treeCount) next = paths(lanes->nodes + 16 * (t + 1), right);
            const int32_t *planes = lanes->tables + 16 * t;
            const __m256i p0 = plane(planes, 0, v), p1 = plane(planes, 1, v), p2 = plane(planes, 2, v), p3 = plane(planes, 3, v);
            const __m256i w0 = _mm256_unpacklo_epi8(p0, p1), w1 = _mm256_unpackhi_epi8(p0, p1);
            const __m256i w2 = _mm256_unpacklo_epi8(p2, p3), w3 = _mm256_unpackhi_epi8(p2, p3);
            const __m256i value[4] = {_mm256_unpacklo_epi16(w0, w2), _mm256_unpackhi_epi16(w0, w2),
                                      _mm256_unpacklo_epi16(w1, w3), _mm256_unpackhi_epi16(w1, w3)};
            for (int g = 0; g < 4; g++) sum[g] = _mm256_add_ps(sum[g], _mm256_castsi256_ps(value[g]));
        }
        for (int g = 0; g < 4; g++) {
            float out[8];
            _mm256_storeu_ps(out, sum[g]);
            for (int l = 0; l < 8; l++) acc[row_of_float(g, l)] = out[l];
        }
    } else {
        __m256d sum[8];
        for (int k = 0; k < 8; k++) {
            double in[4];
            for (int l = 0; l < 4; l++) in[l] = acc[row_of_double(k, l)];
            sum[k] = _mm256_loadu_pd(in);
        }
        __m256i next = paths(lanes->nodes, right);
        for (int64_t t = 0; t < f->treeCount; t++) {
            const __m256i v = next;
            // The next tree's path first: its loads start a tree ahead of the values that wait for them.
            if (t + 1 < f->treeCount) next = paths(lanes->nodes + 16 * (t + 1), right);
            const int32_t *planes = lanes->tables + 32 * t;
            __m256i p[8];
            for (int k = 0; k < 8; k++) p[k] = plane(planes, k, v);
            // Bytes into words, words into dwords (the values' low and high halves), dwords into doubles.
            const __m256i w0 = _mm256_unpacklo_epi8(p[0], p[1]), w1 = _mm256_unpackhi_epi8(p[0], p[1]);
            const __m256i w2 = _mm256_unpacklo_epi8(p[2], p[3]), w3 = _mm256_unpackhi_epi8(p[2], p[3]);
            const __m256i w4 = _mm256_unpacklo_epi8(p[4], p[5]), w5 = _mm256_unpackhi_epi8(p[4], p[5]);
            const __m256i w6 = _mm256_unpacklo_epi8(p[6], p[7]), w7 = _mm256_unpackhi_epi8(p[6], p[7]);
            const __m256i low[4] = {_mm256_unpacklo_epi16(w0, w2), _mm256_unpackhi_epi16(w0, w2),
                                    _mm256_unpacklo_epi16(w1, w3), _mm256_unpackhi_epi16(w1, w3)};
            const __m256i high[4] = {_mm256_unpacklo_epi16(w4, w6), _mm256_unpackhi_epi16(w4, w6),
                                     _mm256_unpacklo_epi16(w5, w7), _mm256_unpackhi_epi16(w5, w7)};
            for (int g = 0; g < 4; g++) {
                sum[2 * g] = _mm256_add_pd(sum[2 * g], _mm256_castsi256_pd(_mm256_unpacklo_epi32(low[g], high[g])));
                sum[2 * g + 1] = _mm256_add_pd(sum[2 * g + 1], _mm256_castsi256_pd(_mm256_unpackhi_epi32(low[g], high[g])));
            }
        }
        for (int k = 0; k < 8; k++) {
            double out[4];
            _mm256_storeu_pd(out, sum[k]);
            for (int l = 0; l < 4; l++) acc[row_of_double(k, l)] = out[l];
        }
    }
}

AVX2_TARGET static void block_add_64(const ctk_byte_trees *f, const ctk_row_lanes *lanes, const uint8_t *right, double *acc) {
    block_add(f, lanes, right, acc, 0);
}

AVX2_TARGET static void block_add_32(const ctk_byte_trees *f, const ctk_row_lanes *lanes, const uint8_t *right, double *acc) {
    block_add(f, lanes, right, acc, 1);
}

/// The decisions of a block of `rows` (1–32) rows (rows past `rows` repeat the last): for the forest's
/// key 16g + i (a key of feature groupFeature[g]), at right[32 (16g + i)], the rows whose input is above
/// it (all ones) or not (zeros). The inputs of a feature are compared as Int32 keys, 8 rows a vector,
/// and two packs narrow four vectors' results to bytes; the rows are placed in the vectors so that the
/// packs leave row r at byte r (vector i holds rows 4i … 4i + 3 and 16 + 4i … 19 + 4i).
AVX2_TARGET static void block_decisions(const ctk_byte_trees *f, const int32_t *keys, int64_t rows, uint8_t *right) {
    int32_t inputs[32][32] __attribute__((aligned(32)));  // [feature][lane of the four vectors]
    for (int r = 0; r < 32; r++) {
        const int32_t *row = keys + (r < rows ? r : rows - 1) * f->featureCount;
        const int lane = 8 * ((r % 16) / 4) + r % 4 + 4 * (r / 16);
        for (int64_t feature = 0; feature < f->featureCount; feature++) inputs[feature][lane] = row[feature];
    }
    int feature = -1;
    __m256i x0 = _mm256_setzero_si256(), x1 = x0, x2 = x0, x3 = x0;
    for (int64_t g = 0; g < f->groupCount; g++) {
        if (f->groupFeature[g] != feature) {
            feature = f->groupFeature[g];
            x0 = _mm256_load_si256((const __m256i *)(inputs[feature]));
            x1 = _mm256_load_si256((const __m256i *)(inputs[feature] + 8));
            x2 = _mm256_load_si256((const __m256i *)(inputs[feature] + 16));
            x3 = _mm256_load_si256((const __m256i *)(inputs[feature] + 24));
        }
        for (int64_t k = 16 * g; k < 16 * g + 16; k++) {
            // Padding keys (INT32_MAX) end a feature's groups; no node reads their decisions.
            if (f->keys[k] == INT32_MAX) break;
            const __m256i key = _mm256_set1_epi32(f->keys[k]);
            const __m256i low = _mm256_packs_epi32(_mm256_cmpgt_epi32(x0, key), _mm256_cmpgt_epi32(x1, key));
            const __m256i high = _mm256_packs_epi32(_mm256_cmpgt_epi32(x2, key), _mm256_cmpgt_epi32(x3, key));
            _mm256_store_si256((__m256i *)(right + 32 * k), _mm256_packs_epi16(low, high));
        }
    }
}
#endif

int ctk_row_lanes_available(void) {
    return ctk_best_isa() >= 1;
}

void ctk_row_lanes_add(const ctk_byte_trees *f, const ctk_row_lanes *lanes, const int32_t *keys, int64_t rowCount, double *acc,
                       void *scratch) {
#if defined(__x86_64__)
    if (!ctk_row_lanes_available() || f->outputCount != 1) abort();  // callers ask ctk_row_lanes_available() first
    uint8_t *right = scratch;
    for (int64_t start = 0; start < rowCount; start += 32) {
        const int64_t rows = rowCount - start < 32 ? rowCount - start : 32;
        block_decisions(f, keys + start * f->featureCount, rows, right);
        double sums[32];
        memcpy(sums, acc + start, (size_t)rows * sizeof(double));
        for (int64_t r = rows; r < 32; r++) sums[r] = 0;
        if (f->values32) block_add_32(f, lanes, right, sums);
        else block_add_64(f, lanes, right, sums);
        memcpy(acc + start, sums, (size_t)rows * sizeof(double));
    }
#else
    (void)f; (void)lanes; (void)keys; (void)rowCount; (void)acc; (void)scratch;
    abort();  // callers ask ctk_row_lanes_available() first
#endif
}
