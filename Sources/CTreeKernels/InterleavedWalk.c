// SIMD walks of InterleavedForest's layout (see CTreeKernels.h): 64 lanes (each a tree and a row)
// step down one level per round until every lane is at a leaf. A round is four gathers per vector:
// the nodes' features, threshold keys and left children, then the lanes' input keys of those features;
// a lane whose key is above the threshold goes to left + 1 (the layout puts right children there).
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
typedef void (*walk_fn)(const int32_t *nodes, const int32_t *keys, int32_t *node, const int32_t *row, int missing);

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static void walk_avx512(const int32_t *nodes, const int32_t *keys, int32_t *node, const int32_t *row, int missing) {
    enum { V = LANES / 16 };
    __m512i n[V], r[V];
    for (int v = 0; v < V; v++) {
        n[v] = _mm512_loadu_si512(node + 16 * v);
        r[v] = _mm512_loadu_si512(row + 16 * v);
    }
    const __m512i one = _mm512_set1_epi32(1), top = _mm512_set1_epi32(INT32_MAX), zero = _mm512_setzero_si512();
    for (;;) {
        __mmask16 moved = 0;
        for (int v = 0; v < V; v++) {
            const __m512i i = _mm512_slli_epi32(n[v], 2);
            __m512i f = _mm512_i32gather_epi32(i, nodes, 4);
            const __m512i t = _mm512_i32gather_epi32(i, nodes + 1, 4);
            const __m512i l = _mm512_i32gather_epi32(i, nodes + 2, 4);
            __mmask16 m = 0;  // lanes whose split sends missing values left
            if (missing) {
                m = _mm512_cmplt_epi32_mask(f, zero);
                f = _mm512_xor_si512(f, _mm512_srai_epi32(f, 31));
            }
            const __m512i k = _mm512_i32gather_epi32(_mm512_add_epi32(r[v], f), keys, 4);
            __mmask16 right = _mm512_cmpgt_epi32_mask(k, t);
            // A missing value's key is INT32_MAX: it goes left where the split says so.
            if (missing) right &= (__mmask16)~(m & _mm512_cmpeq_epi32_mask(k, top));
            const __m512i x = _mm512_mask_add_epi32(l, right, l, one);
            moved |= _mm512_cmpneq_epi32_mask(x, n[v]);
            n[v] = x;
        }
        if (!moved) break;
    }
    for (int v = 0; v < V; v++) _mm512_storeu_si512(node + 16 * v, n[v]);
}

__attribute__((target("avx2")))
static void walk_avx2(const int32_t *nodes, const int32_t *keys, int32_t *node, const int32_t *row, int missing) {
    enum { V = LANES / 8 };
    __m256i n[V], r[V];
    for (int v = 0; v < V; v++) {
        n[v] = _mm256_loadu_si256((const __m256i *)(node + 8 * v));
        r[v] = _mm256_loadu_si256((const __m256i *)(row + 8 * v));
    }
    const __m256i top = _mm256_set1_epi32(INT32_MAX);
    for (;;) {
        __m256i same = _mm256_set1_epi32(-1);
        for (int v = 0; v < V; v++) {
            const __m256i i = _mm256_slli_epi32(n[v], 2);
            __m256i f = _mm256_i32gather_epi32(nodes, i, 4);
            const __m256i t = _mm256_i32gather_epi32(nodes + 1, i, 4);
            const __m256i l = _mm256_i32gather_epi32(nodes + 2, i, 4);
            __m256i flip = _mm256_setzero_si256();
            if (missing) {
                flip = _mm256_srai_epi32(f, 31);
                f = _mm256_xor_si256(f, flip);
            }
            const __m256i k = _mm256_i32gather_epi32(keys, _mm256_add_epi32(r[v], f), 4);
            __m256i right = _mm256_cmpgt_epi32(k, t);
            if (missing) right = _mm256_andnot_si256(_mm256_and_si256(flip, _mm256_cmpeq_epi32(k, top)), right);
            const __m256i x = _mm256_sub_epi32(l, right);  // right is −1 where the lane goes right
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
    if (__builtin_cpu_supports("avx512f")) best = 2;
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
    if (f->valueWidth == 1) {
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
            walk(f->nodes, keys, node, row, f->routesMissing);
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
            walk(f->nodes, keys, node, row, f->routesMissing);
            for (int64_t j = 0; j < n; j++) add_leaf(f, node[j], out + f->treeOutput[first + j]);
        }
    }
}
