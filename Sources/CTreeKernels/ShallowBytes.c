// One or two rows through trees of depth ≤ 4 on byte lanes (AVX-512 VBMI and BITALG, on 256-bit
// vectors): the few-rows path of shallow forests (the reference model's 500 trees). Each input becomes
// its rank among its feature's distinct thresholds (< 256 of them), so a node's test `x <= t_j` is
// `rank <= j` on one byte. Trees go 32 at a time, one byte lane each: at each of the 15 heap positions,
// one permutation (vpermb: the row's 32 ranks indexed by the 32 nodes' features) and one byte compare
// decide 32 nodes. Each node that sends the row right removes its left subtree's leaves from its
// tree's set (QuickScorer's rule, Lucchese et al. 2015: the leaf reached is the lowest one left), a set
// being two bytes: leaves 0–7, which only the root's left subtree touches, and leaves 8–15. The leaves'
// values are then added in tree order, two rows' chains interleaved, so every sum is the one
// scikit-learn computes (or, for XGBoost's float32 sums, the one XGBoost computes: float values, each
// addition rounded to float).
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
#define BYTE_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512bitalg,avx512vl")))

/// The rank bytes of one or two rows (`second` may be `first`), xor 0x80: for each feature f <
/// featureCount, how many of its keys are below the row's key (NaN's INT32_MAX: all of them); 0 in the
/// lanes above. The keys go 16 at a time in one run over all features, without a branch: each group
/// adds its count to the running count of its feature, restarted where the feature changes.
BYTE_TARGET __attribute__((always_inline))
static inline void ranks_of(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, __m256i *ranksFirst, __m256i *ranksSecond) {
    uint8_t rankA[32] __attribute__((aligned(32))) = {0}, rankB[32] __attribute__((aligned(32))) = {0};
    int previous = -1, countA = 0, countB = 0;
    for (int64_t g = 0; g < f->groupCount; g++) {
        const int feature = f->groupFeature[g];
        const __m256i keys0 = _mm256_loadu_si256((const __m256i *)(f->keys + 16 * g));
        const __m256i keys1 = _mm256_loadu_si256((const __m256i *)(f->keys + 16 * g + 8));
        const __m256i xa = _mm256_set1_epi32(first[feature]), xb = _mm256_set1_epi32(second[feature]);
        const int a = __builtin_popcount(_mm256_cmpgt_epi32_mask(xa, keys0) | (_mm256_cmpgt_epi32_mask(xa, keys1) << 8));
        const int b = __builtin_popcount(_mm256_cmpgt_epi32_mask(xb, keys0) | (_mm256_cmpgt_epi32_mask(xb, keys1) << 8));
        const int restart = feature != previous;
        countA = (restart ? 0 : countA) + a;
        countB = (restart ? 0 : countB) + b;
        rankA[feature] = (uint8_t)countA;
        rankB[feature] = (uint8_t)countB;
        previous = feature;
    }
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    *ranksFirst = _mm256_xor_si256(_mm256_load_si256((const __m256i *)rankA), flip);
    *ranksSecond = _mm256_xor_si256(_mm256_load_si256((const __m256i *)rankB), flip);
}

/// The number of trailing zero bits of each byte (8 for a zero byte).
BYTE_TARGET __attribute__((always_inline))
static inline __m256i trailing_zeros(__m256i x) {
    const __m256i lowest = _mm256_and_si256(x, _mm256_sub_epi8(_mm256_setzero_si256(), x));
    return _mm256_popcnt_epi8(_mm256_sub_epi8(lowest, _mm256_set1_epi8(1)));
}

/// The leaf (0–15) of each of the 32 trees of block b for the row of `ranks`, one byte a tree.
BYTE_TARGET __attribute__((always_inline))
static inline __m256i leaves32(const ctk_shallow_bytes *f, int64_t b, __m256i ranks) {
    const uint8_t *feature = f->nodeFeature + b * 15 * 32, *rank = f->nodeRank + b * 15 * 32;
    __m256i low = _mm256_set1_epi8(-1), high = _mm256_set1_epi8(-1);
    // `ranks` and the node ranks are stored xor 0x80, so a signed byte compare orders them as unsigned;
    // its result is a vector (no mask register), and one ternary op clears the leaves.
#define RIGHT(p) _mm256_cmpgt_epi8(_mm256_permutexvar_epi8(_mm256_loadu_si256((const __m256i *)(feature + 32 * (p))), ranks), _mm256_loadu_si256((const __m256i *)(rank + 32 * (p))))
#define CLEAR(set, p, kept) set = _mm256_ternarylogic_epi32(set, RIGHT(p), _mm256_set1_epi8((char)(kept)), 0xB0)
    low = _mm256_andnot_si256(RIGHT(0), low);
    CLEAR(low, 1, 0xF0); CLEAR(high, 2, 0xF0);
    CLEAR(low, 3, 0xFC); CLEAR(low, 4, 0xCF); CLEAR(high, 5, 0xFC); CLEAR(high, 6, 0xCF);
    CLEAR(low, 7, 0xFE); CLEAR(low, 8, 0xFB); CLEAR(low, 9, 0xEF); CLEAR(low, 10, 0xBF);
    CLEAR(high, 11, 0xFE); CLEAR(high, 12, 0xFB); CLEAR(high, 13, 0xEF); CLEAR(high, 14, 0xBF);
#undef RIGHT
#undef CLEAR
    // Leaves 0–7 are all gone exactly when the root sent the row right; then the leaf is in 8–15.
    const __m256i lowLeaf = trailing_zeros(low);
    const __mmask32 inHigh = _mm256_testn_epi8_mask(low, low);
    return _mm256_mask_add_epi8(lowLeaf, inHigh, lowLeaf, trailing_zeros(high));
}

/// Adds one or two rows' leaf values in tree order to their sums: in double, or, when `single` (a
/// constant at each call, so each caller gets its own loop), in float from values32: each addition
/// rounded to float, as XGBoost adds (the sums come and go as floats widened to double).
BYTE_TARGET __attribute__((always_inline))
static inline void add_rows_in(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, double *sumFirst, double *sumSecond, const int single) {
    __m256i ranksA, ranksB;
    ranks_of(f, first, second ? second : first, &ranksA, &ranksB);
    double a = *sumFirst, b = second ? *sumSecond : 0;
    float a32 = (float)a, b32 = (float)b;
    // Block b + 1's leaves are found and stored before block b's values are added: the stores then
    // retire ahead of that block's chain, and the loads that read them never wait for it.
    uint8_t leafA[2][32] __attribute__((aligned(32))), leafB[2][32] __attribute__((aligned(32)));
    const int64_t blocks = (f->treeCount + 31) / 32;
    _mm256_store_si256((__m256i *)leafA[0], leaves32(f, 0, ranksA));
    if (second) _mm256_store_si256((__m256i *)leafB[0], leaves32(f, 0, ranksB));
    for (int64_t block = 0; block < blocks; block++) {
        const int cur = block & 1;
        if (block + 1 < blocks) {
            _mm256_store_si256((__m256i *)leafA[cur ^ 1], leaves32(f, block + 1, ranksA));
            if (second) _mm256_store_si256((__m256i *)leafB[cur ^ 1], leaves32(f, block + 1, ranksB));
        }
        const int64_t n = f->treeCount - block * 32 < 32 ? f->treeCount - block * 32 : 32;
        const uint8_t *la = leafA[cur], *lb = leafB[cur];
        if (single) {
            const float *values = f->values32 + block * 32 * 16;
            if (second) {
                for (int64_t j = 0; j < n; j++) {
                    a32 += values[16 * j + la[j]];
                    b32 += values[16 * j + lb[j]];
                }
            } else {
                for (int64_t j = 0; j < n; j++) a32 += values[16 * j + la[j]];
            }
        } else {
            const double *values = f->values + block * 32 * 16;
            if (second) {
                for (int64_t j = 0; j < n; j++) {
                    a += values[16 * j + la[j]];
                    b += values[16 * j + lb[j]];
                }
            } else {
                for (int64_t j = 0; j < n; j++) a += values[16 * j + la[j]];
            }
        }
    }
    *sumFirst = single ? (double)a32 : a;
    if (second) *sumSecond = single ? (double)b32 : b;
}

BYTE_TARGET
static void add_rows(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, double *sumFirst, double *sumSecond) {
    add_rows_in(f, first, second, sumFirst, sumSecond, 0);
}

BYTE_TARGET
static void add_rows_float(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, double *sumFirst, double *sumSecond) {
    add_rows_in(f, first, second, sumFirst, sumSecond, 1);
}
#endif

int ctk_has_byte_permute(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return ctk_best_isa() == 2 && __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512bitalg");
#else
    return 0;
#endif
}

void ctk_shallow_bytes_add(const ctk_shallow_bytes *f, const int32_t *keys, int64_t rowCount, double *acc) {
#if defined(__x86_64__)
    void (*add)(const ctk_shallow_bytes *, const int32_t *, const int32_t *, double *, double *) = f->values32 ? add_rows_float : add_rows;
    int64_t r = 0;
    for (; r + 1 < rowCount; r += 2) {
        add(f, keys + r * f->featureCount, keys + (r + 1) * f->featureCount, acc + r, acc + r + 1);
    }
    if (r < rowCount) add(f, keys + r * f->featureCount, 0, acc + r, 0);
#else
    (void)f; (void)keys; (void)rowCount; (void)acc;
    abort();  // callers check ctk_has_byte_permute() first
#endif
}
