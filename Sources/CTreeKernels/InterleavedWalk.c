// SIMD walks of InterleavedForest's layout (see CTreeKernels.h): 64 lanes (each a tree and a row)
// step down one level per round until every lane is at a leaf. A round is two gathers per vector:
// the nodes' packed records (feature, missing flag, left child's offset; threshold key), one 64-bit
// element each, then the lanes' input keys of those features; a lane whose key is above the
// threshold goes to left + 1 (the layout puts right children there).
// Only comparisons happen in SIMD registers; the leaves' values are added afterwards, one lane at a
// time, in tree order per row, so every sum is the one scikit-learn computes.
//
// Memory: every pointer is the caller's (Swift arrays and scratch buffers borrowed for one call);
// the kernels keep none of them. Lane state lives in 64-element arrays on this file's stacks.
#include "CTreeKernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { LANES = ctk_lanes };

/// The walk of one round of lanes: `node` (in: each lane's root or the idle leaf; out: its leaf),
/// `row` (each lane's offset of its row in `keys`).
typedef void (*walk_fn)(const ctk_forest *f, const int32_t *keys, int32_t *node, const int32_t *row);

#if defined(__x86_64__)
#include <immintrin.h>

// A round reads each lane's node with one 64-bit gather (its packed word and threshold key), then the
// lane's input key of the node's feature; the next node is node + (left − node) + (key > threshold).

__attribute__((target("avx512f")))
static void walk_avx512(const ctk_forest *f, const int32_t *keys, int32_t *node, const int32_t *row) {
    enum { V = LANES / 16 };
    __m512i n[V], r[V];
    for (int v = 0; v < V; v++) {
        n[v] = _mm512_loadu_si512(node + 16 * v);
        r[v] = _mm512_loadu_si512(row + 16 * v);
    }
    const int missing = f->routesMissing;
    const __m512i one = _mm512_set1_epi32(1), top = _mm512_set1_epi32(INT32_MAX);
    const __m512i featureMask = _mm512_set1_epi32((1 << f->featureBits) - 1);
    const __m512i missingBit = _mm512_set1_epi32(1 << f->featureBits);
    const __m128i deltaShift = _mm_cvtsi32_si128(f->featureBits + 1);
    const __m512i words = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i thresholds = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const long long *packed = (const long long *)f->packed;
    for (;;) {
        __mmask16 moved = 0;
        for (int v = 0; v < V; v++) {
            const __m512i low = _mm512_i32gather_epi64(_mm512_castsi512_si256(n[v]), packed, 8);
            const __m512i high = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(n[v], 1), packed, 8);
            const __m512i w = _mm512_permutex2var_epi32(low, words, high);
            const __m512i t = _mm512_permutex2var_epi32(low, thresholds, high);
            const __m512i feature = _mm512_and_si512(w, featureMask);
            const __m512i k = _mm512_i32gather_epi32(_mm512_add_epi32(r[v], feature), keys, 4);
            __mmask16 right = _mm512_cmpgt_epi32_mask(k, t);
            // A missing value's key is INT32_MAX: it goes left where the split says so.
            if (missing) right &= (__mmask16)~(_mm512_test_epi32_mask(w, missingBit) & _mm512_cmpeq_epi32_mask(k, top));
            const __m512i left = _mm512_add_epi32(n[v], _mm512_srl_epi32(w, deltaShift));
            const __m512i x = _mm512_mask_add_epi32(left, right, left, one);
            moved |= _mm512_cmpneq_epi32_mask(x, n[v]);
            n[v] = x;
        }
        if (!moved) break;
    }
    for (int v = 0; v < V; v++) _mm512_storeu_si512(node + 16 * v, n[v]);
}

__attribute__((target("avx2")))
static void walk_avx2(const ctk_forest *f, const int32_t *keys, int32_t *node, const int32_t *row) {
    enum { V = LANES / 8 };
    __m256i n[V], r[V];
    for (int v = 0; v < V; v++) {
        n[v] = _mm256_loadu_si256((const __m256i *)(node + 8 * v));
        r[v] = _mm256_loadu_si256((const __m256i *)(row + 8 * v));
    }
    const int missing = f->routesMissing;
    const __m256i top = _mm256_set1_epi32(INT32_MAX);
    const __m256i featureMask = _mm256_set1_epi32((1 << f->featureBits) - 1);
    const __m256i missingBit = _mm256_set1_epi32(1 << f->featureBits);
    const __m128i deltaShift = _mm_cvtsi32_si128(f->featureBits + 1);
    // Each 64-bit record's word to the low 128 bits, its threshold to the high 128 bits.
    const __m256i split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const long long *packed = (const long long *)f->packed;
    for (;;) {
        __m256i same = _mm256_set1_epi32(-1);
        for (int v = 0; v < V; v++) {
            const __m256i low = _mm256_permutevar8x32_epi32(
                _mm256_i32gather_epi64(packed, _mm256_castsi256_si128(n[v]), 8), split);
            const __m256i high = _mm256_permutevar8x32_epi32(
                _mm256_i32gather_epi64(packed, _mm256_extracti128_si256(n[v], 1), 8), split);
            const __m256i w = _mm256_permute2x128_si256(low, high, 0x20);
            const __m256i t = _mm256_permute2x128_si256(low, high, 0x31);
            const __m256i feature = _mm256_and_si256(w, featureMask);
            const __m256i k = _mm256_i32gather_epi32(keys, _mm256_add_epi32(r[v], feature), 4);
            __m256i right = _mm256_cmpgt_epi32(k, t);
            if (missing) {
                const __m256i missingLeft = _mm256_cmpeq_epi32(_mm256_and_si256(w, missingBit), missingBit);
                right = _mm256_andnot_si256(_mm256_and_si256(missingLeft, _mm256_cmpeq_epi32(k, top)), right);
            }
            const __m256i left = _mm256_add_epi32(n[v], _mm256_srl_epi32(w, deltaShift));
            const __m256i x = _mm256_sub_epi32(left, right);  // right is −1 where the lane goes right
            same = _mm256_and_si256(same, _mm256_cmpeq_epi32(x, n[v]));
            n[v] = x;
        }
        if (_mm256_movemask_epi8(same) == -1) break;
    }
    for (int v = 0; v < V; v++) _mm256_storeu_si256((__m256i *)(node + 8 * v), n[v]);
}
#endif

/// −1 until the first call decides.
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
    int isa = atomic_load_explicit(&best_isa, memory_order_relaxed);
    if (isa < 0) {
        isa = detect();  // every thread that races here computes the same value
        atomic_store_explicit(&best_isa, isa, memory_order_relaxed);
    }
    return isa;
}

static walk_fn walker(int isa) {
#if defined(__x86_64__)
    if (isa >= 1 && isa <= ctk_best_isa()) return isa == 2 ? walk_avx512 : walk_avx2;
#endif
    (void)isa;
    abort();  // callers pass a level up to ctk_best_isa(), and never 0
}

static inline void add_leaf(const ctk_forest *f, int32_t leaf, double *out) {
    if (f->float32Sums) {
        // XGBoost's order and precision: the float sum plus the float leaf, rounded to float.
        const double *v = f->values + (int64_t)leaf * f->valueWidth;
        for (int64_t c = 0; c < f->valueWidth; c++) out[c] = (double)((float)out[c] + (float)v[c]);
    } else if (f->valueWidth == 1) {
        out[0] += f->values[leaf];
    } else {
        const double *v = f->values + (int64_t)leaf * f->valueWidth;
        for (int64_t c = 0; c < f->valueWidth; c++) out[c] += v[c];
    }
}

void ctk_add_rows_of_each_tree(const ctk_forest *f, const int32_t *keys, int64_t rowCount, double *acc, int isa) {
    const walk_fn walk = walker(isa);
    int32_t node[LANES], row[LANES];
    for (int64_t t = 0; t < f->treeCount; t++) {
        const int32_t root = f->roots[t];
        double *out = acc + f->treeOutput[t];
        for (int64_t first = 0; first < rowCount; first += LANES) {
            const int64_t n = rowCount - first < LANES ? rowCount - first : LANES;
            for (int64_t j = 0; j < LANES; j++) {
                node[j] = j < n ? root : f->idle;
                row[j] = j < n ? (int32_t)((first + j) * f->featureCount) : 0;
            }
            walk(f, keys, node, row);
            for (int64_t j = 0; j < n; j++) add_leaf(f, node[j], out + (first + j) * f->outputCount);
        }
    }
}

void ctk_add_trees_of_each_row(const ctk_forest *f, const int32_t *keys, int64_t rowCount, double *acc, int isa) {
    const walk_fn walk = walker(isa);
    int32_t node[LANES], row[LANES];
    for (int64_t r = 0; r < rowCount; r++) {
        double *out = acc + r * f->outputCount;
        for (int64_t first = 0; first < f->treeCount; first += LANES) {
            const int64_t n = f->treeCount - first < LANES ? f->treeCount - first : LANES;
            for (int64_t j = 0; j < LANES; j++) {
                node[j] = j < n ? f->roots[first + j] : f->idle;
                row[j] = (int32_t)(r * f->featureCount);
            }
            walk(f, keys, node, row);
            for (int64_t j = 0; j < n; j++) add_leaf(f, node[j], out + f->treeOutput[first + j]);
        }
    }
}
