// Many rows through trees up to 8 deep on bit lanes, with AVX2: the many-rows path of InterleavedForest's
// forests where AVX-512 does not run. A walk moves each row down one level at a time, a chain of dependent
// loads; on an AMD Zen 3 both its scalar and its gathering forms cost about 4 cycles a level a row (XGBoost's
// 200 trees of depth 8: 3 µs a row). Here no row walks: every node of a tree is decided for a block of
// rows at once, one bit a row, and each level's outcome is picked from its nodes' by the levels above.
//
// A block of up to 512 rows first gets its decision lines: for each test of the forest, 64 bytes saying
// which rows go right. A feature's tests are a thermometer: a row goes right of its feature's keys
// below its own, so each row's rank among the keys (steps of 16 compares) marks one line, and an OR
// from the highest key down fills the rest; a feature of more than 4096 keys is compared key by key
// instead. Splits that send missing values left get their own lines, their key's without the missing rows.
// A tree of depth D then reads one line a node (2^D − 1 loads, twice: each 256-bit half of the block),
// and the outcome at level d is picked from the level's 2^d nodes by 2^d − 1 bitwise selects, adjacent
// nodes first (they differ in the last outcome above), then pairs of pairs. The D outcomes' bits number
// the leaf, left to right; each row's leaf value is looked up and added to its sum, tree by tree in
// order, so every sum is the one the training library computes (float64, or float32 as XGBoost adds).
//
// Trees shallower than 8 cost their own depth: each tree is laid out complete at its depth, a leaf above
// it filling its padded subtree (whose padding nodes' outcomes then do not matter).
//
// Memory: every pointer is the caller's, borrowed for the call, a block's decisions included (scratch).
#include "CTreeKernels.h"

#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2_TARGET __attribute__((target("avx2")))

/// A block's rows: two vectors' worth, each decision line a cache line. A tree's nodes read their lines
/// once for the first vector, from L2 (5,000 lines are 315 KB), and again from L1 for the second: with a
/// line of 32 bytes (256 rows) each node's load took a 64-byte line from L2 for half its use, and that
/// transfer bound the walk (XGBoost's 200 trees of depth 8 at 4096 rows: 610 -> 456 ns a row).
enum { BLOCK = ctk_deep_lanes_block, CHUNK = 32, CHUNKS = BLOCK / CHUNK, HALF = CHUNKS / 2 };

/// Where `ifRight` has a row's bit set, that row's bit of `b`, elsewhere `a`'s (3 operations: AVX2 has no
/// bitwise select).
AVX2_TARGET __attribute__((always_inline))
static inline __m256i pick(__m256i a, __m256i b, __m256i ifRight) {
    return _mm256_xor_si256(a, _mm256_and_si256(_mm256_xor_si256(a, b), ifRight));
}

/// The outcome at level `d` (its nodes' lines' byte offsets in `slots`, 2^d of them) for 256 rows,
/// picked by the outcomes above (`above[0 … d−1]`, from the root): adjacent nodes are merged by the
/// last outcome above, then pairs by the one before it, as a binary counter carries (`pending[j]` holds
/// a merged run of 2^j nodes waiting for its partner).
AVX2_TARGET __attribute__((always_inline))
static inline __m256i level_outcome(const uint8_t *right, const uint32_t *slots, const __m256i *above, const int d) {
    __m256i pending[8];
#pragma clang loop unroll(full)
    for (int p = 0; p < (1 << d); p++) {
        __m256i x = _mm256_load_si256((const __m256i *)(right + slots[p]));
        int j = 0;
#pragma clang loop unroll(full)
        for (; j < d && ((p >> j) & 1); j++) x = pick(pending[j], x, above[d - 1 - j]);
        pending[j] = x;
    }
    return pending[d];
}

/// The D outcomes (bit r: row r went right) of the tree of depth D whose nodes' lines are at `slots` (heap
/// order) from `right`, for 256 rows, to `outcome[0 … D−1]` (root first).
AVX2_TARGET __attribute__((always_inline))
static inline void outcomes(const uint8_t *right, const uint32_t *slots, __m256i *outcome, const int D) {
#pragma clang loop unroll(full)
    for (int d = 0; d < D; d++) outcome[d] = level_outcome(right, slots + (1 << d) - 1, outcome, d);
}

#define OUTCOMES_OF_DEPTH(D) \
    AVX2_TARGET static void outcomes_##D(const uint8_t *right, const uint32_t *slots, __m256i *outcome) { outcomes(right, slots, outcome, D); }
OUTCOMES_OF_DEPTH(1) OUTCOMES_OF_DEPTH(2) OUTCOMES_OF_DEPTH(3) OUTCOMES_OF_DEPTH(4)
OUTCOMES_OF_DEPTH(5) OUTCOMES_OF_DEPTH(6) OUTCOMES_OF_DEPTH(7) OUTCOMES_OF_DEPTH(8)
#undef OUTCOMES_OF_DEPTH

typedef void (*outcomes_fn)(const uint8_t *, const uint32_t *, __m256i *);

/// The leaves (0 … 2^D − 1, left to right) of rows 32c … 32c + 31, one a byte, from the D outcomes' bits.
/// Each outcome's 32 bits of the chunk are spread to the 32 bytes (byte j holds bit j % 8 of the chunk's
/// byte j / 8), tested, and shifted into the leaf: leaf · 2 + 1 where the row went right.
AVX2_TARGET __attribute__((always_inline))
static inline __m256i chunk_leaves(const uint32_t (*bits)[CHUNKS], int D, int c) {
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    __m256i leaf = _mm256_setzero_si256();
    for (int d = 0; d < D; d++) {
        const __m256i set = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)bits[d][c]), spread), bit);
        leaf = _mm256_sub_epi8(_mm256_add_epi8(leaf, leaf), _mm256_cmpeq_epi8(set, bit));
    }
    return leaf;
}

/// Trees whose leaves are found for the whole block before their values are added: each row's sum then
/// takes a group's values one after another in a register, each a scalar load (gathers cost about 2
/// cycles an element on an AMD Zen 3; XGBoost's deep trees, 156 -> 113 ns a row in the additions).
enum { GROUP = 32 };

/// Each row's leaf values of `count` trees (tables[i]: tree i's values; leaves[i][r]: row r's leaf) added
/// in tree order to the sums of `rows` rows (a multiple of 8), 8 rows side by side (each row's additions
/// are a chain; eight chains overlap).
#define ADD_GROUP(type, sum, tables, leaves, count, rows) \
    for (int r = 0; r < (rows); r += 8) { \
        type s0 = sum[r], s1 = sum[r + 1], s2 = sum[r + 2], s3 = sum[r + 3], s4 = sum[r + 4], s5 = sum[r + 5], s6 = sum[r + 6], s7 = sum[r + 7]; \
        for (int i = 0; i < (count); i++) { \
            const type *v = tables[i]; \
            const uint8_t *l = leaves[i] + r; \
            s0 += v[l[0]], s1 += v[l[1]], s2 += v[l[2]], s3 += v[l[3]], s4 += v[l[4]], s5 += v[l[5]], s6 += v[l[6]], s7 += v[l[7]]; \
        } \
        sum[r] = s0, sum[r + 1] = s1, sum[r + 2] = s2, sum[r + 3] = s3, sum[r + 4] = s4, sum[r + 5] = s5, sum[r + 6] = s6, sum[r + 7] = s7; \
    }

/// Each tree's leaf value added in tree order to the block's sums (`sum`: `chunks` chunks of 32 rows;
/// floats for float32 sums, else doubles). `leaves`: GROUP × BLOCK bytes of scratch.
AVX2_TARGET static void block_add(const ctk_deep_lanes *f, const uint8_t *right, int chunks, void *sum, uint8_t (*leaves)[BLOCK]) {
    static const outcomes_fn outcomesOf[9] = {NULL, outcomes_1, outcomes_2, outcomes_3, outcomes_4, outcomes_5, outcomes_6, outcomes_7, outcomes_8};
    const uint32_t *slots = f->slots;
    int64_t valueStart = 0;
    __m256i outcome[8];
    uint32_t bits[8][CHUNKS] __attribute__((aligned(32)));
    const void *tables[GROUP];
    for (int64_t first = 0; first < f->treeCount; first += GROUP) {
        const int count = f->treeCount - first < GROUP ? (int)(f->treeCount - first) : GROUP;
        for (int i = 0; i < count; i++) {
            const int D = f->depths[first + i];
            for (int half = 0; half < 2 && HALF * half < chunks && D > 0; half++) {
                outcomesOf[D](right + 32 * half, slots, outcome);
                for (int d = 0; d < D; d++) _mm256_store_si256((__m256i *)(bits[d] + HALF * half), outcome[d]);
            }
            for (int c = 0; c < chunks; c++) _mm256_store_si256((__m256i *)(leaves[i] + CHUNK * c), chunk_leaves(bits, D, c));
            tables[i] = f->values32 ? (const void *)(f->values32 + valueStart) : (const void *)(f->values + valueStart);
            slots += (1 << D) - 1;
            valueStart += 1 << D;
        }
        if (f->values32) {
            float *sums = sum;
            const float *const *values = (const float *const *)tables;
            ADD_GROUP(float, sums, values, leaves, count, CHUNK * chunks)
        } else {
            double *sums = sum;
            const double *const *values = (const double *const *)tables;
            ADD_GROUP(double, sums, values, leaves, count, CHUNK * chunks)
        }
    }
}
#undef ADD_GROUP

enum { LINE = BLOCK / 8 };

/// The block's scratch besides its decision lines.
typedef struct {
    /// A feature's BLOCK keys, placed for the compares (compared_thermometer).
    int32_t *inputs;
    /// Per feature a line of its missing rows; a line for rows below every key, and BLOCK ranks
    /// (searched_thermometer).
    uint8_t *missing;
    uint8_t *below;
    uint16_t *ranks;
} block_scratch;

/// The thermometer lines of a feature not searched (searchLevels 0), and its missing rows, by compares:
/// its inputs are compared as Int32 keys, 8 rows a vector; two packs narrow four vectors' results to bytes
/// and a movemask to bits. The rows are placed in the vectors so that the packs leave row r at byte r
/// (vector i of a chunk holds rows 4i … 4i + 3 and 16 + 4i … 19 + 4i).
AVX2_TARGET static void compared_thermometer(const ctk_deep_lanes *f, int64_t feature, const int32_t *keys, int64_t rows,
                                             const block_scratch *s, uint8_t *right) {
    const int chunks = (int)((rows + CHUNK - 1) / CHUNK);
    int32_t *inputs = s->inputs;
    for (int r = 0; r < CHUNK * chunks; r++) {
        const int lane = CHUNK * (r / CHUNK) + 8 * ((r % 16) / 4) + r % 4 + 4 * ((r % CHUNK) / 16);
        inputs[lane] = keys[(r < rows ? r : rows - 1) * f->featureCount + feature];
    }
    const __m256i top = _mm256_set1_epi32(INT32_MAX);
#define BITS(x0, x1, x2, x3) (uint32_t)_mm256_movemask_epi8(_mm256_packs_epi16(_mm256_packs_epi32(x0, x1), _mm256_packs_epi32(x2, x3)))
    const __m256i *x = (const __m256i *)inputs;
    for (int c = 0; c < chunks; c++) {
        const __m256i x0 = _mm256_load_si256(x + 4 * c), x1 = _mm256_load_si256(x + 4 * c + 1);
        const __m256i x2 = _mm256_load_si256(x + 4 * c + 2), x3 = _mm256_load_si256(x + 4 * c + 3);
        ((uint32_t *)(s->missing + LINE * feature))[c] =
            BITS(_mm256_cmpeq_epi32(x0, top), _mm256_cmpeq_epi32(x1, top), _mm256_cmpeq_epi32(x2, top), _mm256_cmpeq_epi32(x3, top));
        for (int32_t l = f->featureLines[feature]; l < f->thermometerEnd[feature]; l++) {
            const __m256i key = _mm256_set1_epi32(f->lineKey[l]);
            ((uint32_t *)(right + LINE * (size_t)l))[c] =
                BITS(_mm256_cmpgt_epi32(x0, key), _mm256_cmpgt_epi32(x1, key), _mm256_cmpgt_epi32(x2, key), _mm256_cmpgt_epi32(x3, key));
        }
    }
#undef BITS
}

/// How many of the 16 keys at `k` are below x (broadcast in `vx`).
AVX2_TARGET __attribute__((always_inline))
static inline int below(__m256i vx, const int32_t *k) {
    const int low = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(vx, _mm256_loadu_si256((const __m256i *)k))));
    const int high = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(vx, _mm256_loadu_si256((const __m256i *)(k + 8)))));
    return __builtin_popcount((unsigned)(low | high << 8));
}

/// The thermometer lines of a searched feature, and its missing rows. A row is above the feature's keys
/// 0 … rank − 1, rank the count of keys below its key, found in steps of 16 keys (the splitters of each
/// level, then a group of keys). Each row's bit is set in line rank − 1 only (rank 0: the `below` line),
/// and an OR from the last line down gives every line the rows above it: a few operations a row, where
/// compares cost one a row and a key.
AVX2_TARGET static void searched_thermometer(const ctk_deep_lanes *f, int64_t feature, const int32_t *keys, int64_t rows,
                                             const block_scratch *s, uint8_t *restrict right) {
    const int padded = CHUNK * (int)((rows + CHUNK - 1) / CHUNK);
    uint8_t *restrict thermometer = right + LINE * (size_t)f->featureLines[feature];
    const int32_t count = f->thermometerEnd[feature] - f->featureLines[feature];
    const int levels = f->searchLevels[feature];
    const int32_t *restrict searchKeys = f->searchKeys + f->searchStart[feature];
    const int64_t featureCount = f->featureCount;
    uint16_t *restrict ranks = s->ranks;
    // Each rank, with bit 15 set for a missing key (whose rank is the key count: it is above them all).
    for (int r = 0; r < padded; r++) {
        const int32_t x = keys[(r < rows ? r : rows - 1) * featureCount + feature];
        const __m256i vx = _mm256_set1_epi32(x);
        // Each level narrows the rank to a group of 16 of the next (see CTreeKernels.h).
        const int32_t *level = searchKeys;
        int rank = 0;
        for (int k = levels - 1; k >= 1; k--) {
            rank = 16 * rank + below(vx, level + 16 * rank);
            level += (count >> (4 * k)) + 32;
        }
        rank = 16 * rank + below(vx, level + 16 * rank);
        ranks[r] = (uint16_t)(rank + ((x == INT32_MAX) << 15));
    }
    const __m256i zero = _mm256_setzero_si256();
    for (int32_t l = 0; l < count; l++) {
        _mm256_store_si256((__m256i *)(thermometer + LINE * l), zero);
        _mm256_store_si256((__m256i *)(thermometer + LINE * l) + 1, zero);
    }
    uint8_t *restrict missing = s->missing + LINE * feature;
    for (int g = 0; g < padded; g += 8) {
        unsigned m = 0;
        for (int q = 0; q < 8; q++) {
            const unsigned v = ranks[g + q], above = v & 0x7FFF;
            m |= (v >> 15) << q;
            uint8_t *line = above ? thermometer + LINE * (above - 1) : s->below;
            line[g / 8] |= (uint8_t)(1u << q);
        }
        missing[g / 8] = (uint8_t)m;
    }
    if (count < 2) return;
    __m256i a = _mm256_load_si256((const __m256i *)(thermometer + LINE * (count - 1)));
    __m256i b = _mm256_load_si256((const __m256i *)(thermometer + LINE * (count - 1)) + 1);
    for (int32_t l = count - 2; l >= 0; l--) {
        __m256i *line = (__m256i *)(thermometer + LINE * l);
        a = _mm256_or_si256(a, _mm256_load_si256(line));
        b = _mm256_or_si256(b, _mm256_load_si256(line + 1));
        _mm256_store_si256(line, a);
        _mm256_store_si256(line + 1, b);
    }
}

/// The decision lines of `feature` for a block of `rows` (1–BLOCK) rows, each line l at right[LINE · l]:
/// bit r set where row r goes right (rows past `rows`, in the last chunk of 32, repeat the last row; later
/// chunks' bits are not all written). A missing input's key is INT32_MAX, above every threshold: it goes
/// right on the thermometer lines, and the missing-left lines take it out.
AVX2_TARGET static void feature_decisions(const ctk_deep_lanes *f, int64_t feature, const int32_t *keys, int64_t rows,
                                          const block_scratch *s, uint8_t *right) {
    if (f->featureLines[feature] == f->featureLines[feature + 1]) return;
    if (f->searchLevels[feature] > 0) searched_thermometer(f, feature, keys, rows, s, right);
    else compared_thermometer(f, feature, keys, rows, s, right);
    const __m256i *m = (const __m256i *)(s->missing + LINE * feature);
    for (int32_t l = f->thermometerEnd[feature]; l < f->featureLines[feature + 1]; l++) {
        const __m256i *from = (const __m256i *)(right + LINE * (size_t)f->lineSource[l]);
        __m256i *to = (__m256i *)(right + LINE * (size_t)l);
        for (int h = 0; h < 2; h++) _mm256_store_si256(to + h, _mm256_andnot_si256(_mm256_load_si256(m + h), _mm256_load_si256(from + h)));
    }
}

int ctk_deep_lanes_available(void) {
    return ctk_best_isa() >= 1;
}

int64_t ctk_deep_lanes_scratch(const ctk_deep_lanes *f) {
    return BLOCK / 8 * (f->lineCount + f->featureCount + 1) + 6 * BLOCK + 8 * BLOCK + GROUP * BLOCK;
}

/// The parts of `scratch` (ctk_deep_lanes_scratch bytes), each 32-byte aligned: the decision lines, the
/// features' missing lines, the below line, the inputs, the ranks, the sums, the leaves.
static block_scratch parts(const ctk_deep_lanes *f, void *scratch, uint8_t **right, void **sums, uint8_t (**leaves)[BLOCK]) {
    block_scratch s;
    *right = scratch;
    s.missing = *right + BLOCK / 8 * f->lineCount;
    s.below = s.missing + BLOCK / 8 * f->featureCount;
    s.inputs = (int32_t *)(s.below + BLOCK / 8);
    s.ranks = (uint16_t *)(s.inputs + BLOCK);
    *sums = s.ranks + BLOCK;
    *leaves = (uint8_t (*)[BLOCK])((double *)*sums + BLOCK);
    return s;
}

void ctk_deep_lanes_decide(const ctk_deep_lanes *f, const int32_t *keys, int64_t rowCount, int64_t firstFeature, int64_t featureCount,
                           void *scratch) {
    if (!ctk_deep_lanes_available() || rowCount < 1 || rowCount > BLOCK) abort();  // callers' preconditions
    uint8_t *right, (*leaves)[BLOCK];
    void *sums;
    const block_scratch s = parts(f, scratch, &right, &sums, &leaves);
    for (int64_t feature = firstFeature; feature < firstFeature + featureCount; feature++) feature_decisions(f, feature, keys, rowCount, &s, right);
}

void ctk_deep_lanes_add(const ctk_deep_lanes *f, int64_t rowCount, double *acc, void *scratch) {
    if (!ctk_deep_lanes_available() || rowCount < 1 || rowCount > BLOCK) abort();  // callers' preconditions
    uint8_t *right, (*leaves)[BLOCK];
    void *sums;
    (void)parts(f, scratch, &right, &sums, &leaves);
    const int chunks = (int)((rowCount + CHUNK - 1) / CHUNK);
    if (f->values32) {
        float *sum = sums;
        for (int64_t r = 0; r < CHUNK * chunks; r++) sum[r] = r < rowCount ? (float)acc[r] : 0;
    } else {
        double *sum = sums;
        for (int64_t r = 0; r < CHUNK * chunks; r++) sum[r] = r < rowCount ? acc[r] : 0;
    }
    block_add(f, right, chunks, sums, leaves);
    for (int64_t r = 0; r < rowCount; r++) acc[r] = f->values32 ? (double)((float *)sums)[r] : ((double *)sums)[r];
}

#else

int ctk_deep_lanes_available(void) {
    return 0;
}

int64_t ctk_deep_lanes_scratch(const ctk_deep_lanes *f) {
    (void)f;
    return 0;
}

void ctk_deep_lanes_decide(const ctk_deep_lanes *f, const int32_t *keys, int64_t rowCount, int64_t firstFeature, int64_t featureCount,
                           void *scratch) {
    (void)f; (void)keys; (void)rowCount; (void)firstFeature; (void)featureCount; (void)scratch;
    abort();  // callers ask ctk_deep_lanes_available() first
}

void ctk_deep_lanes_add(const ctk_deep_lanes *f, int64_t rowCount, double *acc, void *scratch) {
    (void)f; (void)rowCount; (void)acc; (void)scratch;
    abort();  // callers ask ctk_deep_lanes_available() first
}
#endif
