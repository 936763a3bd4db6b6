// The drivers of the SIMD walks (Walks.c): which trees and rows each walk takes, and the adding of
// the leaves' values to the rows' sums, in tree order per row, so that every sum is the one the
// training library computes. Three orders: each tree over a chunk of rows (ctk_add_rows_of_each_tree,
// and ctk_add_rows_of_lone_tree), trees in groups for forest classifiers, and each row over all the
// trees (ctk_add_trees_of_each_row).
//
// Memory: every pointer is the caller's (Swift arrays and scratch buffers borrowed for one call);
// the kernels keep none of them. Two scratch buffers are the heap's, freed before returning.
#include "Walks.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

/// The rounds that take trees `first ..< first + count` to their leaves: their deepest tree's depth
/// when that is at most ctk_fixed_rounds_up_to, else 0 (walk until no lane moves).
static int rounds_for(const ctk_forest *f, int64_t first, int64_t count) {
    int deepest = 0;
    for (int64_t t = first; t < first + count; t++) deepest = f->depths[t] > deepest ? f->depths[t] : deepest;
    return deepest <= ctk_fixed_rounds_up_to ? deepest : 0;
}

/// Adds one leaf's `width` values (at values[leaf * width]) to the raw scores from `out` on: in float,
/// rounding each sum to float, for float32 sums (XGBoost's order and precision), else in double.
/// The callers pass the forest's fields as locals, so that the compiler knows the stores into `out`
/// change neither them nor the values, and can hoist the tests out of their loops.
static inline void add_leaf(const double *restrict values, int64_t width, int float32Sums, int32_t leaf, double *restrict out) {
    const double *v = values + (int64_t)leaf * width;
    if (float32Sums) {
        for (int64_t c = 0; c < width; c++) out[c] = (double)((float)out[c] + (float)v[c]);
    } else if (width == 1) {
        out[0] += v[0];
    } else {
        for (int64_t c = 0; c < width; c++) out[c] += v[c];
    }
}

/// Adds tree t's leaf values to the raw scores of `count` rows (acc row-major), row j's leaf at leaf[j].
static void add_leaves(const ctk_forest *f, int64_t t, const int32_t *leaf, int64_t count, double *acc) {
    const double *values = f->values;
    double *out = acc + f->treeOutput[t];
    const int64_t width = f->valueWidth, stride = f->outputCount;
    const int float32Sums = f->float32Sums;
    for (int64_t j = 0; j < count; j++) add_leaf(values, width, float32Sums, leaf[j], out + j * stride);
}

#if defined(__x86_64__)
/// add_leaves for one float64 value a leaf added to contiguous sums (regression forests): 8 rows' leaf
/// values gathered at a time. (Wider leaves stay with add_leaves: masked AVX-512 loads and stores of a
/// row's 3 or 10 class fractions measured a third slower than its scalar loop.)
__attribute__((target("avx512f")))
static void add_leaves_avx512(const ctk_forest *f, int64_t t, const int32_t *leaf, int64_t count, double *acc) {
    const double *restrict values = f->values;
    double *restrict out = acc + f->treeOutput[t];
    int64_t j = 0;
    for (; j + 8 <= count; j += 8) {
        const __m512d v = _mm512_i32gather_pd(_mm256_loadu_si256((const __m256i *)(leaf + j)), values, 8);
        _mm512_storeu_pd(out + j, _mm512_add_pd(_mm512_loadu_pd(out + j), v));
    }
    for (; j < count; j++) out[j] += values[leaf[j]];
}

/// For a lone tree's leaves of 2 to 8 float64 values adding to all of a row's sums (a tree classifier's
/// class fractions): writes each row's sums, `base` plus its leaf's values, with one masked load and one
/// masked store a row. (Filling the rows with the base and then adding to them made the additions four
/// times slower with masked loads of each row's sums, which wait for the previous row's overlapping
/// masked store, and twice as slow one value at a time.)
__attribute__((target("avx512f")))
static void set_narrow_leaves_avx512(const ctk_forest *f, const double *baseValues, const int32_t *leaf, int64_t count, double *acc) {
    const double *restrict values = f->values;
    const int64_t width = f->valueWidth;
    const __mmask8 part = (__mmask8)((1u << width) - 1);
    const __m512d base = _mm512_maskz_loadu_pd(part, baseValues);
    for (int64_t j = 0; j < count; j++) {
        const __m512d v = _mm512_maskz_loadu_pd(part, values + (int64_t)leaf[j] * width);
        _mm512_mask_storeu_pd(acc + j * width, part, _mm512_add_pd(base, v));
    }
}

#endif

/// Trees whose leaves are found for every row of a chunk before their values are added, each row's
/// sums then held in registers across them (ExtraTreesClassifier, 100 trees on digits, 10 classes, at
/// 4096 rows: a store of every sum after every tree made the additions a third of the time). A walk's
/// rows go through the whole group (find_leaves), so more trees a group read their keys from L1 more
/// often; 32 measured best once the additions read rowValues and deep walks packed their last lanes
/// (8: 1035, 16: 991, 32: 970, 64: 995 ns a row on that model; 16 had been best before), and 20 once
/// a row's two halves of class values were added in one pass and six levels held in registers
/// (medians of five: 12: 849, 16: 845, 20: 840, 25: 848, 32: 863 ns a row; RandomForestClassifier
/// 100 deep: 20: 946, 32: 960).
enum { GROUP = 20 };

#if defined(__x86_64__)
/// Adds the leaf values of trees t ..< t + g to the sums of `count` rows (`width` = outputCount values
/// a row, every tree adding to all of them): row j's leaf of tree t + i at leaf[i * leafStride + j]. Per
/// row, the sums are loaded once, each tree's values added in tree order (a vertical add per class, the
/// same additions as the scalar loop), and stored once.
__attribute__((target("avx512f")))
static void add_group_avx512(const ctk_forest *f, int64_t g, const int32_t *leaf, int64_t leafStride, int64_t count, double *acc) {
    const double *restrict values = f->valueRow ? f->rowValues : f->values;  // as find_leaves wrote `leaf`
    const int64_t width = f->valueWidth, stride = f->valueRow ? f->rowStride : width;
    int64_t j = 0;
    // Rows in fours: each row's additions must follow tree order (a chain of dependent adds), but the
    // rows' chains are independent, and written side by side they overlap (ExtraTreesClassifier on
    // digits 970 -> 937 ns a row; 2 rows were no better while the values came from a 5 MB array, 8 no
    // better than 4).
    enum { ROWS = 4 };
    if (width > 8 && width <= 16) {
        // Both halves of each row in one pass: eight chains side by side, each leaf's row found once.
        const __mmask8 rest = (__mmask8)((1u << (width - 8)) - 1);
        for (; j + ROWS <= count; j += ROWS) {
            __m512d low[ROWS], high[ROWS];
            for (int q = 0; q < ROWS; q++) {
                low[q] = _mm512_loadu_pd(acc + (j + q) * width);
                high[q] = _mm512_maskz_loadu_pd(rest, acc + (j + q) * width + 8);
            }
            for (int64_t i = 0; i < g; i++) {
                const int32_t *at = leaf + i * leafStride + j;
                for (int q = 0; q < ROWS; q++) {
                    const double *v = values + (int64_t)at[q] * stride;
                    low[q] = _mm512_add_pd(low[q], _mm512_loadu_pd(v));
                    high[q] = _mm512_add_pd(high[q], _mm512_maskz_loadu_pd(rest, v + 8));
                }
            }
            for (int q = 0; q < ROWS; q++) {
                _mm512_storeu_pd(acc + (j + q) * width, low[q]);
                _mm512_mask_storeu_pd(acc + (j + q) * width + 8, rest, high[q]);
            }
        }
    }
    for (; j + ROWS <= count; j += ROWS) {
        for (int64_t c = 0; c < width; c += 8) {
            const __mmask8 part = width - c >= 8 ? 0xFF : (__mmask8)((1u << (width - c)) - 1);
            __m512d sum[ROWS];
            for (int q = 0; q < ROWS; q++) sum[q] = _mm512_maskz_loadu_pd(part, acc + (j + q) * width + c);
            const double *from = values + c;
            for (int64_t i = 0; i < g; i++) {
                const int32_t *at = leaf + i * leafStride + j;
                for (int q = 0; q < ROWS; q++) sum[q] = _mm512_add_pd(sum[q], _mm512_maskz_loadu_pd(part, from + (int64_t)at[q] * stride));
            }
            for (int q = 0; q < ROWS; q++) _mm512_mask_storeu_pd(acc + (j + q) * width + c, part, sum[q]);
        }
    }
    for (; j < count; j++) {
        double *row = acc + j * width;
        for (int64_t c = 0; c < width; c += 8) {
            const __mmask8 part = width - c >= 8 ? 0xFF : (__mmask8)((1u << (width - c)) - 1);
            __m512d sum = _mm512_maskz_loadu_pd(part, row + c);
            for (int64_t i = 0; i < g; i++) {
                sum = _mm512_add_pd(sum, _mm512_maskz_loadu_pd(part, values + (int64_t)leaf[i * leafStride + j] * stride + c));
            }
            _mm512_mask_storeu_pd(row + c, part, sum);
        }
    }
}

/// Each of the `count` nodes' row of rowValues (valueRow[node[j]]) to out[j], 16 a gather.
__attribute__((target("avx512f")))
static void value_rows(const int32_t *valueRow, const int32_t *node, int64_t count, int32_t *out) {
    int64_t j = 0;
    for (; j + 16 <= count; j += 16) {
        _mm512_storeu_si512(out + j, _mm512_i32gather_epi32(_mm512_loadu_si512(node + j), valueRow, 4));
    }
    for (; j < count; j++) out[j] = valueRow[node[j]];
}

/// Writes the leaf of tree t + i for each of `count` rows (row j's keys at keys + offsets[j]) to
/// leaf[i * stride + j], i < g: its node, or its row of rowValues where the forest has them. A walk's
/// rows go through all g trees before the next rows: their keys are then read from the L1 cache after the
/// first tree (a chunk's keys are up to a MiB). `doubles` (1): `keys` is the rows' values (ctk_walker's
/// held 4 and 5).
__attribute__((target("avx512f")))
static void find_leaves(const ctk_forest *f, int64_t t, int64_t g, const void *keys, int doubles, const int32_t *offsets,
                        int64_t count, int isa, int32_t *leaf, int64_t stride) {
    // Deep trees' walks on 256-bit vectors where the forest says so. The narrow walk reads keys: from
    // values, each walk's rows' keys are made first, into `walkKeys` (NARROW_LANES rows, the heap's,
    // freed below; NULL if the allocation fails: then the wide walk), where they stay in the L1 cache
    // (making the chunk's keys first instead: DecisionTreeRegressor deep 26.2 -> 27.4 ns a row).
    const int64_t featureCount = f->featureCount;
    int32_t *walkKeys = isa == 2 && f->narrowGathers && doubles && rounds_for(f, t, g) == 0
        ? malloc(sizeof(int32_t) * (size_t)(NARROW_LANES * featureCount)) : NULL;
    const int narrow = isa == 2 && f->narrowGathers && (!doubles || walkKeys) && rounds_for(f, t, g) == 0;
    const int64_t lanes = narrow ? NARROW_LANES : lanes_of(isa);
    int32_t node[LANES], walkOffsets[LANES];
    for (int64_t j = 0; j < LANES; j++) walkOffsets[j] = j < NARROW_LANES ? (int32_t)(j * featureCount) : 0;
    // Full walks of deep trees set their last few moving lanes aside, and those of up to four trees
    // are walked together: alone, one or two vectors' walks wait on each gather in turn.
    stragglers pending;
    pending.count = 0;
    for (int64_t first = 0; first < count; first += lanes) {
        const int64_t n = count - first < lanes ? count - first : lanes;
        if (walkKeys) {
            ctk_input_keys((const double *)keys + offsets[first], n * featureCount, walkKeys);
            for (int64_t j = n; j < NARROW_LANES; j++) walkOffsets[j] = 0;  // idle lanes read row 0's keys
        }
        for (int64_t i = 0; i < g; i++) {
            const int32_t root = f->roots[t + i];
            for (int64_t j = 0; j < n; j++) node[j] = root;
            for (int64_t j = n; j < LANES; j++) node[j] = f->idle;
            const int rounds = rounds_for(f, t + i, 1);
            if (isa == 2 && !narrow && n == LANES && rounds == 0) {
                if (pending.count > LANES - FEW_LANES) ctk_walk_stragglers(f, keys, doubles, &pending, isa, leaf);
                ctk_walk_upper_deferring(f, keys, node, offsets + first, &pending, (int32_t)(i * stride + first), doubles);
            } else if (walkKeys) {
                ctk_walker(isa, n, 7)(f, walkKeys, node, walkOffsets, rounds);
            } else {
                ctk_walker(isa, n, narrow ? 7 : doubles ? 5 : isa == 2 ? 3 : 0)(f, keys, node, offsets + first, rounds);
            }
            // (A set-aside lane's node is overwritten with its leaf by ctk_walk_stragglers.)
            if (f->valueRow) {
                value_rows(f->valueRow, node, n, leaf + i * stride + first);
            } else {
                memcpy(leaf + i * stride + first, node, sizeof(int32_t) * (size_t)n);
            }
        }
    }
    ctk_walk_stragglers(f, keys, doubles, &pending, isa, leaf);
    free(walkKeys);
}

/// add_group_avx512 with AVX2 (forest classifiers on CPUs without AVX-512): per four rows, a run of four of
/// their sums at a time held in registers across the group's trees, each tree's values added in tree order.
__attribute__((target("avx2")))
static void add_group_avx2(const ctk_forest *f, int64_t g, const int32_t *leaf, int64_t leafStride, int64_t count, double *acc) {
    const double *restrict values = f->valueRow ? f->rowValues : f->values;  // as find_leaves_avx2 wrote `leaf`
    const int64_t width = f->valueWidth, stride = f->valueRow ? f->rowStride : width;
    enum { ROWS = 4 };
    int64_t j = 0;
    for (; j < count; j += ROWS) {
        const int rows = count - j < ROWS ? (int)(count - j) : ROWS;
        for (int64_t c = 0; c < width; c += 4) {
            // The sums past the row's last are masked off (a masked load reads zero and faults nowhere).
            const __m256i part = _mm256_cmpgt_epi64(_mm256_set1_epi64x(width - c), _mm256_setr_epi64x(0, 1, 2, 3));
            __m256d sum[ROWS];
            for (int q = 0; q < rows; q++) sum[q] = _mm256_maskload_pd(acc + (j + q) * width + c, part);
            const double *from = values + c;
            for (int64_t i = 0; i < g; i++) {
                const int32_t *at = leaf + i * leafStride + j;
                for (int q = 0; q < rows; q++) sum[q] = _mm256_add_pd(sum[q], _mm256_maskload_pd(from + (int64_t)at[q] * stride, part));
            }
            for (int q = 0; q < rows; q++) _mm256_maskstore_pd(acc + (j + q) * width + c, part, sum[q]);
        }
    }
}

/// find_leaves with AVX2's walk (walk_scalar): each walk's rows go through all g trees before the next
/// rows, so their keys are read from the L1 cache after the first tree.
__attribute__((target("avx2")))
static void find_leaves_avx2(const ctk_forest *f, int64_t t, int64_t g, const int32_t *keys, const int32_t *offsets, int64_t count,
                             int32_t *leaf, int64_t stride) {
    const int64_t lanes = lanes_of(1);
    int32_t node[LANES];
    for (int64_t first = 0; first < count; first += lanes) {
        const int64_t n = count - first < lanes ? count - first : lanes;
        for (int64_t i = 0; i < g; i++) {
            const int32_t root = f->roots[t + i];
            for (int64_t j = 0; j < n; j++) node[j] = root;
            for (int64_t j = n; j < LANES; j++) node[j] = f->idle;
            ctk_walker(1, n, 0)(f, keys, node, offsets + first, rounds_for(f, t + i, 1));
            int32_t *out = leaf + i * stride + first;
            if (f->valueRow) {
                for (int64_t j = 0; j < n; j++) out[j] = f->valueRow[node[j]];
            } else {
                memcpy(out, node, sizeof(int32_t) * (size_t)n);
            }
        }
    }
}

/// Each of `count` rows of `width` sums set to `base`.
static void fill_rows(double *restrict out, int64_t count, const double *restrict base, int64_t width) {
    if (width == 1) {
        const double value = base[0];
        for (int64_t j = 0; j < count; j++) out[j] = value;
        return;
    }
    for (int64_t j = 0; j < count; j++) {
        for (int64_t c = 0; c < width; c++) out[j * width + c] = base[c];
    }
}
#endif

/// Rows a chunk from which each tree's walks fetch the next tree into the cache while they go (next_tree).
enum { FETCH_AHEAD_ROWS = 1024 };

/// The next tree's lines, fetched a share at a time while this tree's rows walk (`shares` walks): from
/// FETCH_AHEAD_ROWS rows on, some row reads nearly every line of a deep tree, and a tree not yet in the
/// cache otherwise comes a miss at a time, each walk waiting on its own. Its extent is taken as this
/// tree's node count (a forest's trees are about as large), up to the idle leaf, the forest's last node.
typedef struct {
    const char *records, *recordsEnd, *values, *valuesEnd;
    int64_t recordLines, valueLines;  // a share
} next_tree;

static next_tree next_tree_of(const ctk_forest *f, int64_t t, int64_t shares) {
    next_tree n = {0};
    if (t + 1 >= f->treeCount || shares < 1) return n;
    const int64_t first = f->roots[t + 1], guess = first + (first - f->roots[t]), end = guess < f->idle ? guess : f->idle;
    // A leaf's values: its row of rowValues (few rows, in L1) where the forest has them, else its own.
    const int64_t valueBytes = f->valueRow ? (int64_t)sizeof(int32_t) : (int64_t)sizeof(double) * f->valueWidth;
    const char *values = f->valueRow ? (const char *)f->valueRow : (const char *)f->values;
    n.records = (const char *)(f->packed + 2 * first);
    n.recordsEnd = (const char *)(f->packed + 2 * end);
    n.values = values + valueBytes * first;
    n.valuesEnd = values + valueBytes * end;
    n.recordLines = ((n.recordsEnd - n.records) / 64 + shares) / shares;
    n.valueLines = ((n.valuesEnd - n.values) / 64 + shares) / shares;
    return n;
}

/// One share of next_tree's lines.
static inline void fetch_share(next_tree *n) {
    for (int64_t k = 0; k < n->recordLines && n->records < n->recordsEnd; k++, n->records += 64) __builtin_prefetch(n->records, 0, 3);
    for (int64_t k = 0; k < n->valueLines && n->values < n->valuesEnd; k++, n->values += 64) __builtin_prefetch(n->values, 0, 3);
}

/// ctk_add_rows_of_each_tree, or with `doubles` (1: AVX-512 and a lone tree only) ctk_add_rows_of_lone_tree:
/// then `keys` is the rows' values, and the sums are written from `base` (acc's starting values are not read).
static void add_rows_of_each_tree(const ctk_forest *f, const void *keys, int doubles, const double *base, int64_t rowCount,
                                  double *acc, int isa) {
    // Rows in chunks whose key offsets are worked out once for every tree; zeros after the chunk's
    // last row, for the idle lanes of its last walk.
    enum { CHUNK = 4096 };
    // A group's trees' leaves LEAF_STRIDE apart: 16 KiB apart, the lines of the 20 trees' leaves of the
    // same rows would fall in one set of the L1 cache (12 ways), and the additions' reads of them miss.
    enum { LEAF_STRIDE = CHUNK + 16 };
    int32_t offsets[CHUNK + LANES];  // 16.5 KiB of stack
    int32_t node[LANES];
    // Wide leaves adding to every raw score (forest classifiers): trees in groups.
    const int grouped = isa >= 1 && f->treeCount > 1 && f->valueWidth > 1 && f->valueWidth == f->outputCount && !f->float32Sums;
    // The groups' leaves, GROUP × LEAF_STRIDE (320 KiB, the heap's), owned by this call (NULL if the
    // allocation fails: then tree by tree).
    int32_t *groupLeaves = grouped ? malloc(sizeof(int32_t) * GROUP * LEAF_STRIDE) : NULL;
#if defined(__x86_64__)
    // A lone tree with AVX-512 too: its chunk's leaves found first (find_leaves: a deep tree's last
    // moving lanes of several walks go together) into 16 KiB of stack, then added (and so are a
    // forest's deep trees' on narrow walks, one tree at a time).
    const int lone = isa == 2 && f->treeCount == 1;
    int32_t loneLeaves[CHUNK];
#else
    (void)doubles;  // only the AVX-512 lone path reads values, from a base
    (void)base;
#endif
    for (int64_t start = 0; start < rowCount; start += CHUNK) {
        const int64_t count = rowCount - start < CHUNK ? rowCount - start : CHUNK;
        // The feature count as a local: read through `f`, it was reloaded after every store (a lone deep
        // tree at 4096 rows spent 4 % of its time in this loop).
        const int32_t featureCount = (int32_t)f->featureCount, chunkOffset = (int32_t)(start * f->featureCount);
        for (int32_t j = 0; j < (int32_t)count; j++) offsets[j] = chunkOffset + j * featureCount;
        for (int32_t j = (int32_t)count; j < (int32_t)count + LANES; j++) offsets[j] = 0;
        double *out = acc + start * f->outputCount;
#if defined(__x86_64__)
        if (lone) {
            find_leaves(f, 0, 1, keys, doubles, offsets, count, isa, loneLeaves, CHUNK);
            // find_leaves wrote rows of rowValues where the forest has them.
            ctk_forest byRow = *f;
            if (f->valueRow) byRow.values = f->rowValues;
            const int narrow = f->valueWidth > 1 && f->valueWidth <= 8 && f->valueWidth == f->outputCount;
            if (base && narrow && !f->float32Sums) {
                set_narrow_leaves_avx512(&byRow, base, loneLeaves, count, out);
                continue;
            }
            if (base) fill_rows(out, count, base, f->outputCount);
            if (f->valueRow && f->rowStride != f->valueWidth) {  // padded rows: as a group of one tree
                add_group_avx512(f, 1, loneLeaves, CHUNK, count, out);
                continue;
            }
            if (!f->float32Sums && f->valueWidth == 1 && f->outputCount == 1) add_leaves_avx512(&byRow, 0, loneLeaves, count, out);
            else add_leaves(&byRow, 0, loneLeaves, count, out);
            continue;
        }
        if (groupLeaves) {
            for (int64_t t = 0; t < f->treeCount; t += GROUP) {
                const int64_t g = f->treeCount - t < GROUP ? f->treeCount - t : GROUP;
                if (isa == 2) {
                    find_leaves(f, t, g, keys, 0, offsets, count, isa, groupLeaves, LEAF_STRIDE);
                    add_group_avx512(f, g, groupLeaves, LEAF_STRIDE, count, out);
                } else {
                    find_leaves_avx2(f, t, g, keys, offsets, count, groupLeaves, LEAF_STRIDE);
                    add_group_avx2(f, g, groupLeaves, LEAF_STRIDE, count, out);
                }
            }
            continue;
        }
#endif
        for (int64_t t = 0; t < f->treeCount; t++) {
            const int32_t root = f->roots[t];
            const int rounds = rounds_for(f, t, 1);
#if defined(__x86_64__)
            if (isa == 2 && f->narrowGathers && rounds == 0) {
                // A deep tree on 256-bit vectors where the forest says so (deep random forest regressors on
                // Zen 4: 4400 -> 3480 ns a row at 4096 rows; trees of fixed rounds keep AVX-512's walk: depth
                // 8 on AVX2's, 623 -> 813), every row's leaf found before the values are added (3480 -> 3290:
                // adding after each walk measured slower).
                find_leaves(f, t, 1, keys, 0, offsets, count, isa, loneLeaves, CHUNK);
                if (!f->float32Sums && f->valueWidth == 1 && f->outputCount == 1) add_leaves_avx512(f, t, loneLeaves, count, out);
                else add_leaves(f, t, loneLeaves, count, out);
                continue;
            }
#endif
            const int64_t lanes = lanes_of(isa);
            next_tree ahead = next_tree_of(f, t, count >= FETCH_AHEAD_ROWS ? (count + lanes - 1) / lanes : 0);
            for (int64_t first = 0; first < count; first += lanes) {
                fetch_share(&ahead);
                const int64_t n = count - first < lanes ? count - first : lanes;
                for (int64_t j = 0; j < n; j++) node[j] = root;
                for (int64_t j = n; j < LANES; j++) node[j] = f->idle;
                ctk_walker(isa, n, isa == 2 ? 3 : 0)(f, keys, node, offsets + first, rounds);
#if defined(__x86_64__)
                if (isa == 2 && !f->float32Sums && f->valueWidth == 1 && f->outputCount == 1) {
                    add_leaves_avx512(f, t, node, n, out + first * f->outputCount);
                    continue;
                }
#endif
                add_leaves(f, t, node, n, out + first * f->outputCount);
            }
        }
    }
    free(groupLeaves);
}

void ctk_add_rows_of_each_tree(const ctk_forest *f, const int32_t *keys, int64_t rowCount, double *acc, int isa) {
    add_rows_of_each_tree(f, keys, 0, NULL, rowCount, acc, isa);
}

void ctk_add_rows_of_lone_tree(const ctk_forest *f, const double *rows, int64_t rowCount, const double *base, double *acc) {
    add_rows_of_each_tree(f, rows, 1, base, rowCount, acc, 2);
}

void ctk_add_trees_of_each_row(const ctk_forest *f, const int32_t *keys, int64_t rowCount, double *acc, int isa) {
    const int64_t lanes = lanes_of(isa);
    int32_t node[LANES], row[LANES];
    // One raw score of one value a tree (regression, binary classification): each row's sum stays in a
    // register from tree to tree instead of going through memory (where the next addition would wait
    // for the store, and for float32 sums for two conversions as well). Such forests walk two rows at
    // once where the lanes allow it, half the lanes each: the rows' additions, which must each follow
    // tree order, then overlap.
    const int single = f->outputCount == 1 && f->valueWidth == 1;
    // With AVX-512 and at most 32 features, the walked rows' keys are held in registers (walk_avx512).
    const int holds = isa == 2 && f->featureCount <= 32;
    int32_t table[64] = {0};
    enum { PAIR = 2 };
    for (int64_t r = 0; r < rowCount;) {
        const int64_t rows = single && rowCount - r >= PAIR && lanes >= PAIR * 64 ? PAIR : 1;
        const int64_t group = lanes / rows;  // trees per walk
        for (int64_t p = 0; p < rows && holds; p++) {
            memcpy(table + 32 * p, keys + (r + p) * f->featureCount, sizeof(int32_t) * (size_t)f->featureCount);
        }
        const int32_t *walked = holds ? table : keys;
        // The sums as scalars (an array indexed by row would live in memory).
        float a32 = (float)acc[r * f->outputCount], b32 = rows == 2 ? (float)acc[(r + 1) * f->outputCount] : 0;
        double a64 = acc[r * f->outputCount], b64 = rows == 2 ? acc[(r + 1) * f->outputCount] : 0;
        const double *values = f->values;
        for (int64_t first = 0; first < f->treeCount; first += group) {
            const int64_t n = f->treeCount - first < group ? f->treeCount - first : group;
            for (int64_t p = 0; p < rows; p++) {
                const int32_t offset = (int32_t)(holds ? 32 * p : (r + p) * f->featureCount);
                for (int64_t j = 0; j < n; j++) {
                    node[p * n + j] = f->roots[first + j];
                    row[p * n + j] = offset;
                }
            }
            for (int64_t j = rows * n; j < LANES; j++) node[j] = f->idle, row[j] = 0;
            // With AVX2 alone, one row's trees: every lane's row is row[0] (held 1 there).
            ctk_walker(isa, rows * n, holds ? (int)rows : isa == 1 && rows == 1 ? 1 : 0)(f, walked, node, row, rounds_for(f, first, n));
            const int32_t *b = node + n;  // the second row's leaves
            if (!single) {
                for (int64_t j = 0; j < n; j++) {
                    add_leaf(values, f->valueWidth, f->float32Sums, node[j], acc + r * f->outputCount + f->treeOutput[first + j]);
                }
            } else if (f->float32Sums && rows == 2) {
                for (int64_t j = 0; j < n; j++) a32 += (float)values[node[j]], b32 += (float)values[b[j]];
            } else if (f->float32Sums) {
                for (int64_t j = 0; j < n; j++) a32 += (float)values[node[j]];
            } else if (rows == 2) {
                for (int64_t j = 0; j < n; j++) a64 += values[node[j]], b64 += values[b[j]];
            } else {
                for (int64_t j = 0; j < n; j++) a64 += values[node[j]];
            }
        }
        if (single) {
            acc[r * f->outputCount] = f->float32Sums ? (double)a32 : a64;
            if (rows == 2) acc[(r + 1) * f->outputCount] = f->float32Sums ? (double)b32 : b64;
        }
        r += rows;
    }
}
