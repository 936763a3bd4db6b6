// A few rows at a time through trees of depth ≤ 4 on byte lanes, on 256-bit vectors: the few-rows path
// of shallow forests (the reference model's 500 trees), and on CPUs without AVX-512 every batch's. Each
// input becomes its rank among its feature's distinct thresholds (< 256 of them), so a node's test
// `x <= t_j` is `rank <= j` on one byte. Trees go 32 at a time, one byte lane each: at each of the 15
// heap positions, one permutation (the row's ranks indexed by the 32 nodes' features) and one byte
// compare decide 32 nodes. Each node that sends the row right removes its left subtree's leaves from its
// tree's set (QuickScorer's rule, Lucchese et al. 2015: the leaf reached is the lowest one left), a set
// being two bytes: leaves 0–7, which only the root's left subtree touches, and leaves 8–15. The leaves'
// values are then added in tree order, two or four rows' chains interleaved, so every sum is the one
// scikit-learn computes (or, for XGBoost's float32 sums, the one XGBoost computes: float values, each
// addition rounded to float).
//
// Two builds of the same steps, which add in the same order:
// - AVX-512 VBMI and BITALG: the permutation is one vpermb over the row's 32 rank bytes, a cleared
//   leaf one ternary op, a leaf's number a byte popcount.
// - AVX2 (CPUs without VBMI, e.g. AMD Zen 3): pshufb, which looks up 16 bytes: one for forests of at
//   most 16 features, two and an or for 17–32 (a node's feature byte has bit 7 set from feature 16 on,
//   which pshufb reads as "zero" and vpermb ignores, so both builds read the same bytes); a tree's
//   leaf is read from its path's outcomes rather than from a set (outcome_avx2 says why).
//
// What bounds it is the chain of float64 additions (500 in a row for the reference model), so the rest
// is arranged to hide under it: the next block's leaves are found while this block's values are added
// (by the AVX2 build in four stages between them: add_rows_avx2_in), and the vectors are 256-bit: the
// same kernel on 512-bit vectors (64 trees a step) took about 1.7 times as long a row on this project's
// Sapphire Rapids machine, most likely because port 1 takes no vector work while 512-bit instructions
// are in flight, which leaves the scalar additions fewer fast adders.
//
// Memory: every pointer is the caller's, borrowed for the call.
#include "CTreeKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define VBMI_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512bitalg,avx512vl")))
#define AVX2_TARGET __attribute__((target("avx2")))

#include "ByteRanks.h"
#include "PathLeaf.h"

/// The 14 splits below the root, as CLEAR(set, position, kept): the leaves of `set` (the low byte,
/// leaves 0–7, or the high one, 8–15) that a row sent right at `position` keeps.
#define EACH_SPLIT_BELOW_THE_ROOT(CLEAR) \
    CLEAR(low, 1, 0xF0); CLEAR(high, 2, 0xF0); \
    CLEAR(low, 3, 0xFC); CLEAR(low, 4, 0xCF); CLEAR(high, 5, 0xFC); CLEAR(high, 6, 0xCF); \
    CLEAR(low, 7, 0xFE); CLEAR(low, 8, 0xFB); CLEAR(low, 9, 0xEF); CLEAR(low, 10, 0xBF); \
    CLEAR(high, 11, 0xFE); CLEAR(high, 12, 0xFB); CLEAR(high, 13, 0xEF); CLEAR(high, 14, 0xBF)

/// The number of trailing zero bits of each byte (8 for a zero byte).
VBMI_TARGET __attribute__((always_inline))
static inline __m256i trailing_zeros(__m256i x) {
    const __m256i lowest = _mm256_and_si256(x, _mm256_sub_epi8(_mm256_setzero_si256(), x));
    return _mm256_popcnt_epi8(_mm256_sub_epi8(lowest, _mm256_set1_epi8(1)));
}

/// The leaf (0–15) of each of the 32 trees of block b for the row of `ranks`, one byte a tree.
VBMI_TARGET __attribute__((always_inline))
static inline __m256i leaves32_vbmi(const ctk_byte_trees *f, int64_t b, __m256i ranks) {
    const uint8_t *feature = f->nodeFeature + b * 15 * 32, *rank = f->nodeRank + b * 15 * 32;
    __m256i low = _mm256_set1_epi8(-1), high = _mm256_set1_epi8(-1);
    // `ranks` and the node ranks are stored xor 0x80, so a signed byte compare orders them as unsigned;
    // its result is a vector (no mask register), and one ternary op clears the leaves.
#define RIGHT(p) _mm256_cmpgt_epi8(_mm256_permutexvar_epi8(_mm256_loadu_si256((const __m256i *)(feature + 32 * (p))), ranks), _mm256_loadu_si256((const __m256i *)(rank + 32 * (p))))
#define CLEAR(set, p, kept) set = _mm256_ternarylogic_epi32(set, RIGHT(p), _mm256_set1_epi8((char)(kept)), 0xB0)
    low = _mm256_andnot_si256(RIGHT(0), low);
    EACH_SPLIT_BELOW_THE_ROOT(CLEAR);
#undef RIGHT
#undef CLEAR
    // Leaves 0–7 are all gone exactly when the root sent the row right; then the leaf is in 8–15.
    const __m256i lowLeaf = trailing_zeros(low);
    const __mmask32 inHigh = _mm256_testn_epi8_mask(low, low);
    return _mm256_mask_add_epi8(lowLeaf, inHigh, lowLeaf, trailing_zeros(high));
}

/// Adds the first n trees of block `block` to each row's sum (a float32 sum in sum32 when `single`), in
/// tree order: row r's leaf of the block's tree j is leaf[r][j]. Both builds' loops end with it.
__attribute__((always_inline))
static inline void add_block(const ctk_byte_trees *f, int64_t block, int64_t n, uint8_t leaf[][32], double *sum, float *sum32,
                             const int rows, const int single) {
    for (int64_t j = 0; j < n; j++) {
        for (int r = 0; r < rows; r++) {
            if (single) {
                sum32[r] += f->values32[block * 32 * 16 + 16 * j + leaf[r][j]];
            } else {
                sum[r] += f->values[block * 32 * 16 + 16 * j + leaf[r][j]];
            }
        }
    }
}

/// Adds `rows` (1, 2 or 4) consecutive rows' leaf values in tree order to their sums (`acc[0 ..< rows]`,
/// the rows' keys from `keys`, featureCount a row): in double, or, when `single`, in float from
/// values32: each addition rounded to float, as XGBoost adds (the sums come and go as floats widened to
/// double). Both are constants at each call, so each caller gets its own loop. The rows' chains of
/// additions are independent and interleave: more rows, more of each chain's latency hidden. This is
/// the VBMI build's loop; the AVX2 build's (add_rows_avx2_in) adds in the same order.
VBMI_TARGET __attribute__((always_inline))
static inline void add_rows_vbmi_in(const ctk_byte_trees *f, const int32_t *keys, double *acc, const int rows, const int single) {
    // Ranks two rows at a time (a lone row's twice).
    __m256i ranks[4];
    for (int r = 0; r < rows; r += 2) {
        ranks_of(f, keys + r * f->featureCount, keys + (r + (rows > 1)) * f->featureCount, &ranks[r], &ranks[r + 1]);
    }
    double sum[4];
    float sum32[4];
    for (int r = 0; r < rows; r++) {
        sum[r] = acc[r];
        sum32[r] = (float)acc[r];
    }
    // Block b + 1's leaves are found and stored before block b's values are added: the stores then
    // retire ahead of that block's chain, and the loads that read them never wait for it.
    uint8_t leaf[2][4][32] __attribute__((aligned(32)));
    const int64_t blocks = (f->treeCount + 31) / 32;
    for (int r = 0; r < rows; r++) _mm256_store_si256((__m256i *)leaf[0][r], leaves32_vbmi(f, 0, ranks[r]));
    for (int64_t block = 0; block < blocks; block++) {
        const int cur = block & 1;
        if (block + 1 < blocks) {
            for (int r = 0; r < rows; r++) _mm256_store_si256((__m256i *)leaf[cur ^ 1][r], leaves32_vbmi(f, block + 1, ranks[r]));
        }
        add_block(f, block, f->treeCount - block * 32 < 32 ? f->treeCount - block * 32 : 32, leaf[cur], sum, sum32, rows, single);
    }
    for (int r = 0; r < rows; r++) acc[r] = single ? (double)sum32[r] : sum[r];
}

#define ROWS_FUNCTION(rows, single) \
    VBMI_TARGET static void add_rows_##rows##_##single##_vbmi(const ctk_byte_trees *f, const int32_t *keys, double *acc) { \
        add_rows_vbmi_in(f, keys, acc, rows, single); \
    }
ROWS_FUNCTION(1, 0) ROWS_FUNCTION(2, 0) ROWS_FUNCTION(4, 0)
ROWS_FUNCTION(1, 1) ROWS_FUNCTION(2, 1) ROWS_FUNCTION(4, 1)
#undef ROWS_FUNCTION

/// Adds trees 8q … 8q + 7 of a full block (values from `values`, leaves from `leaf`) to each row's sum,
/// in tree order. A row's 8 leaves come in one load and are shifted out of it, which leaves the loads
/// to the values (each folded into its addition); add_block's load of each leaf, in this loop, measured
/// 418 -> 447 ns a row for the reference model at 2 rows.
AVX2_TARGET __attribute__((always_inline))
static inline void add_group(const double *values, const float *values32, uint8_t leaf[][32], int q, double *sum, float *sum32, const int rows, const int single) {
    uint64_t word[4];
    for (int r = 0; r < rows; r++) memcpy(&word[r], leaf[r] + 8 * q, 8);
    for (int k = 0; k < 8; k++) {
        const int tree = 8 * q + k;
        for (int r = 0; r < rows; r++) {
            if (single) {
                sum32[r] += (values32 + 16 * tree)[word[r] & 15];
            } else {
                sum[r] += (values + 16 * tree)[word[r] & 15];
            }
            word[r] >>= 8;
        }
    }
}

/// The AVX2 build's row loop (as add_rows_vbmi_in's, which says what it adds), for `rows` 1, 2 or 4.
/// The next block's leaves are found in four stages (PathLeaf.h), one before each group of 8 of this
/// block's additions. Found all at once, ahead of the block, they did not overlap the chain of
/// additions (InferenceBench on AMD Zen 3, the reference model at 2 rows, best of 15 alternating runs:
/// 431 ns a row before the stages, 412 with them; a timing test that found no leaves after block 0
/// took 333 against 419 beside it, so a fifth of the call is still theirs). The compiler gathered the
/// stages back into one piece, so empty asm statements, which keep their order, take each stage's
/// result and each group's sums (and the ranks the next stage reads) as operands.
AVX2_TARGET __attribute__((always_inline))
static inline void add_rows_avx2_in(const ctk_byte_trees *f, const int32_t *keys, double *acc, const int rows, const int single, const int wide) {
    __m256i ranks[4], low[4], high[4];
    for (int r = 0; r < rows; r += 2) {
        ranks_of(f, keys + r * f->featureCount, keys + (r + (rows > 1)) * f->featureCount, &ranks[r], &ranks[r + 1]);
    }
    for (int r = 0; r < rows; r++) {
        low[r] = _mm256_permute2x128_si256(ranks[r], ranks[r], 0x00);
        high[r] = _mm256_permute2x128_si256(ranks[r], ranks[r], 0x11);
    }
    double sum[4];
    float sum32[4];
    for (int r = 0; r < rows; r++) {
        sum[r] = acc[r];
        sum32[r] = (float)acc[r];
    }
#define OUTCOME(p) outcome_avx2(feature, rank, p, (const __m256i[2]){low[r], high[r]}, wide)
#define KEEP_SUMS() for (int r = 0; r < rows; r++) { \
        if (single) __asm__ volatile("" : "+x"(sum32[r])); else __asm__ volatile("" : "+x"(sum[r])); }
#define KEEP_RANKS() for (int r = 0; r < rows; r++) { \
        __asm__ volatile("" : "+x"(low[r])); if (wide) __asm__ volatile("" : "+x"(high[r])); }
/// A stage's statement for each row, then group q of this block's additions, kept in that order.
#define STAGE_THEN_GROUP(STAGE, q) do { \
        for (int r = 0; r < rows; r++) { STAGE; } \
        KEEP_SUMS(); \
        add_group(values, values32, leaf[cur], q, sum, sum32, rows, single); \
        KEEP_SUMS(); \
        KEEP_RANKS(); } while (0)
    uint8_t leaf[2][4][32] __attribute__((aligned(32)));
    const int64_t blocks = (f->treeCount + 31) / 32;
    {
        const uint8_t *feature = f->nodeFeature, *rank = f->nodeRank;
        for (int r = 0; r < rows; r++) _mm256_store_si256((__m256i *)leaf[0][r], LEAF_FROM_OUTCOMES(OUTCOME));
    }
    int64_t block = 0;
    for (; block + 1 < blocks; block++) {
        const int cur = block & 1;
        const double *values = f->values + block * 32 * 16;
        const float *values32 = single ? f->values32 + block * 32 * 16 : NULL;
        const uint8_t *feature = f->nodeFeature + (block + 1) * 15 * 32, *rank = f->nodeRank + (block + 1) * 15 * 32;
        // One register each, so that every value's address is that register, the leaf and a constant.
        __asm__("" : "+r"(values), "+r"(values32));
        path_so_far path[4];
        STAGE_THEN_GROUP(PATH_STAGE_0(OUTCOME, path[r]); __asm__ volatile("" : "+x"(path[r].second)), 0);
        STAGE_THEN_GROUP(PATH_STAGE_1(OUTCOME, path[r]); __asm__ volatile("" : "+x"(path[r].third)), 1);
        STAGE_THEN_GROUP(PATH_STAGE_2(OUTCOME, path[r]); __asm__ volatile("" : "+x"(path[r].low)), 2);
        STAGE_THEN_GROUP(__m256i leaves = PATH_STAGE_3(OUTCOME, path[r]); __asm__ volatile("" : "+x"(leaves));
                         _mm256_store_si256((__m256i *)leaf[cur ^ 1][r], leaves), 3);
    }
#undef OUTCOME
#undef KEEP_SUMS
#undef KEEP_RANKS
#undef STAGE_THEN_GROUP
    // The last block, full or not, has no next one.
    add_block(f, block, f->treeCount - block * 32, leaf[block & 1], sum, sum32, rows, single);
    for (int r = 0; r < rows; r++) acc[r] = single ? (double)sum32[r] : sum[r];
}

/// One function per (rows, single), each with a loop for more than 16 slots (features) and one for the rest.
#define ROWS_FUNCTION(rows, single) \
    AVX2_TARGET static void add_rows_##rows##_##single##_avx2(const ctk_byte_trees *f, const int32_t *keys, double *acc) { \
        if (f->slotCount > 16) add_rows_avx2_in(f, keys, acc, rows, single, 1); \
        else add_rows_avx2_in(f, keys, acc, rows, single, 0); \
    }
ROWS_FUNCTION(1, 0) ROWS_FUNCTION(2, 0) ROWS_FUNCTION(4, 0)
ROWS_FUNCTION(1, 1) ROWS_FUNCTION(2, 1) ROWS_FUNCTION(4, 1)
#undef ROWS_FUNCTION

#endif

void ctk_shallow_bytes_add(const ctk_byte_trees *f, const int32_t *keys, int64_t rowCount, double *acc, int instructionSet) {
#if defined(__x86_64__)
    typedef void (*rows_fn)(const ctk_byte_trees *, const int32_t *, double *);
    // [build: VBMI, AVX2][float32 sums][1, 2, 4 rows]
    static const rows_fn kernels[2][2][3] = {
        {{add_rows_1_0_vbmi, add_rows_2_0_vbmi, add_rows_4_0_vbmi}, {add_rows_1_1_vbmi, add_rows_2_1_vbmi, add_rows_4_1_vbmi}},
        {{add_rows_1_0_avx2, add_rows_2_0_avx2, add_rows_4_0_avx2}, {add_rows_1_1_avx2, add_rows_2_1_avx2, add_rows_4_1_avx2}}};
    if (instructionSet < 1 || instructionSet > ctk_byte_lanes() || f->outputCount != 1) abort();  // callers ask ctk_byte_lanes() first
    const rows_fn *add = kernels[instructionSet == 2 ? 0 : 1][f->values32 != 0];
    int64_t r = 0;
    // Four rows at a time with AVX2, whose pairs of rows measured slower than the chains of additions
    // alone (this project's Zen 3 machine); VBMI's build keeps the pairs it was measured with.
    if (instructionSet == 1) {
        for (; r + 3 < rowCount; r += 4) add[2](f, keys + r * f->featureCount, acc + r);
    }
    for (; r + 1 < rowCount; r += 2) add[1](f, keys + r * f->featureCount, acc + r);
    if (r < rowCount) add[0](f, keys + r * f->featureCount, acc + r);
#else
    (void)f; (void)keys; (void)rowCount; (void)acc; (void)instructionSet;
    abort();  // callers ask ctk_byte_lanes() first
#endif
}
