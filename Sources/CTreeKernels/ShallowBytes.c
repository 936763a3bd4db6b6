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
// Two builds of the same steps (ShallowBytesRows.h holds the row loop both share):
// - AVX-512 VBMI and BITALG: the permutation is one vpermb over the row's 32 rank bytes, a cleared
//   leaf one ternary op, a leaf's number a byte popcount.
// - AVX2 (CPUs without VBMI, e.g. AMD Zen 3): pshufb, which looks up 16 bytes: one for forests of at
//   most 16 features, two and an or for 17–32 (a node's feature byte has bit 7 set from feature 16 on,
//   which pshufb reads as "zero" and vpermb ignores, so both builds read the same bytes); a tree's
//   leaf is read from its path's outcomes rather than from a set (leaves32_avx2_in says why).
//
// What bounds it is the chain of float64 additions (500 in a row for the reference model), so the rest
// is arranged to hide under it: the next block's leaves are found while this block's values are added,
// and the vectors are 256-bit: the same kernel on 512-bit vectors (64 trees a step) took about 1.7 times
// as long a row on this project's Sapphire Rapids machine, most likely because port 1 takes no vector
// work while 512-bit instructions are in flight, which leaves the scalar additions fewer fast adders.
//
// Memory: every pointer is the caller's, borrowed for the call.
#include "CTreeKernels.h"

#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define VBMI_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512bitalg,avx512vl")))
#define AVX2_TARGET __attribute__((target("avx2")))

#include "PathLeaf.h"

/// The sum of v's eight lanes.
AVX2_TARGET __attribute__((always_inline))
static inline int lane_sum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/// The rank bytes of one or two rows (`second` may be `first`), xor 0x80: for each feature f <
/// featureCount, how many of its keys are below the row's key (NaN's INT32_MAX: all of them); 0 in the
/// lanes above. The keys go 16 at a time; each key below the row's subtracts 1 from its lane of a
/// running vector (a compare's all-ones), whose lanes are added up where the feature changes: no
/// scalar chain from group to group. (AVX2 only, so that both builds inline it.)
AVX2_TARGET __attribute__((always_inline))
static inline void ranks_of(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, __m256i *ranksFirst, __m256i *ranksSecond) {
    uint8_t rankA[32] __attribute__((aligned(32))) = {0}, rankB[32] __attribute__((aligned(32))) = {0};
    if (f->groupCount > 0) {
        int feature = f->groupFeature[0];
        __m256i xa = _mm256_set1_epi32(first[feature]), xb = _mm256_set1_epi32(second[feature]);
        __m256i belowA = _mm256_setzero_si256(), belowB = _mm256_setzero_si256();
        for (int64_t g = 0; g < f->groupCount; g++) {
            if (f->groupFeature[g] != feature) {
                rankA[feature] = (uint8_t)-lane_sum(belowA);
                rankB[feature] = (uint8_t)-lane_sum(belowB);
                feature = f->groupFeature[g];
                xa = _mm256_set1_epi32(first[feature]);
                xb = _mm256_set1_epi32(second[feature]);
                belowA = belowB = _mm256_setzero_si256();
            }
            const __m256i keys0 = _mm256_loadu_si256((const __m256i *)(f->keys + 16 * g));
            const __m256i keys1 = _mm256_loadu_si256((const __m256i *)(f->keys + 16 * g + 8));
            belowA = _mm256_add_epi32(belowA, _mm256_add_epi32(_mm256_cmpgt_epi32(xa, keys0), _mm256_cmpgt_epi32(xa, keys1)));
            belowB = _mm256_add_epi32(belowB, _mm256_add_epi32(_mm256_cmpgt_epi32(xb, keys0), _mm256_cmpgt_epi32(xb, keys1)));
        }
        rankA[feature] = (uint8_t)-lane_sum(belowA);
        rankB[feature] = (uint8_t)-lane_sum(belowB);
    }
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    *ranksFirst = _mm256_xor_si256(_mm256_load_si256((const __m256i *)rankA), flip);
    *ranksSecond = _mm256_xor_si256(_mm256_load_si256((const __m256i *)rankB), flip);
}

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
static inline __m256i leaves32_vbmi(const ctk_shallow_bytes *f, int64_t b, __m256i ranks) {
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

/// leaves32_vbmi's answer with AVX2; `wide` (a constant at each call): more than 16 features. Without
/// a ternary op or a byte popcount, the sets of leaves would cost 4 more instructions a position, so
/// each tree's path is read from its nodes' outcomes instead (PathLeaf.h). A padded subtree's leaves
/// are all one leaf's value, so its padding nodes' outcomes do not matter here either.
AVX2_TARGET __attribute__((always_inline))
static inline __m256i leaves32_avx2_in(const ctk_shallow_bytes *f, int64_t b, __m256i ranks, const int wide) {
    const uint8_t *feature = f->nodeFeature + b * 15 * 32, *rank = f->nodeRank + b * 15 * 32;
    // pshufb looks up within each 128-bit half: both halves hold ranks 0–15, or 16–31.
    const __m256i ranksLow = _mm256_permute2x128_si256(ranks, ranks, 0x00);
    const __m256i ranksHigh = _mm256_permute2x128_si256(ranks, ranks, 0x11);
    const __m256i toHigh = _mm256_set1_epi8((char)0x80);
#define RANKS(index) (wide ? _mm256_or_si256(_mm256_shuffle_epi8(ranksLow, index), _mm256_shuffle_epi8(ranksHigh, _mm256_xor_si256(index, toHigh))) \
                           : _mm256_shuffle_epi8(ranksLow, index))
#define RIGHT(p) _mm256_cmpgt_epi8(RANKS(_mm256_loadu_si256((const __m256i *)(feature + 32 * (p)))), _mm256_loadu_si256((const __m256i *)(rank + 32 * (p))))
    const __m256i leaf = LEAF_FROM_OUTCOMES(RIGHT);
#undef RANKS
#undef RIGHT
    return leaf;
}

AVX2_TARGET __attribute__((always_inline))
static inline __m256i leaves32_avx2(const ctk_shallow_bytes *f, int64_t b, __m256i ranks) {
    return f->featureCount > 16 ? leaves32_avx2_in(f, b, ranks, 1) : leaves32_avx2_in(f, b, ranks, 0);
}

#define ROWS_TARGET VBMI_TARGET
#define ROWS_LEAVES leaves32_vbmi
#define ROWS_NAME(name) name##_vbmi
#include "ShallowBytesRows.h"
#undef ROWS_TARGET
#undef ROWS_LEAVES
#undef ROWS_NAME

#define ROWS_TARGET AVX2_TARGET
#define ROWS_LEAVES leaves32_avx2
#define ROWS_NAME(name) name##_avx2
#include "ShallowBytesRows.h"
#undef ROWS_TARGET
#undef ROWS_LEAVES
#undef ROWS_NAME
#endif

void ctk_shallow_bytes_add(const ctk_shallow_bytes *f, const int32_t *keys, int64_t rowCount, double *acc, int instructionSet) {
#if defined(__x86_64__)
    typedef void (*rows_fn)(const ctk_shallow_bytes *, const int32_t *, double *);
    // [build: VBMI, AVX2][float32 sums][1, 2, 4 rows]
    static const rows_fn kernels[2][2][3] = {
        {{add_rows_1_0_vbmi, add_rows_2_0_vbmi, add_rows_4_0_vbmi}, {add_rows_1_1_vbmi, add_rows_2_1_vbmi, add_rows_4_1_vbmi}},
        {{add_rows_1_0_avx2, add_rows_2_0_avx2, add_rows_4_0_avx2}, {add_rows_1_1_avx2, add_rows_2_1_avx2, add_rows_4_1_avx2}}};
    if (instructionSet < 1 || instructionSet > ctk_byte_lanes()) abort();  // callers ask ctk_byte_lanes() first
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
