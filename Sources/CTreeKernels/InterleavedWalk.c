// SIMD walks of InterleavedForest's layout (see CTreeKernels.h): up to 128 lanes (each a tree and a row)
// step down one level per round until every lane is at a leaf. A round is two gathers per vector:
// the nodes' packed records (feature, missing flag, left child's offset; threshold key), one 64-bit
// element each, then the lanes' input keys of those features; a lane whose key is above the
// threshold goes to left + 1 (the layout puts right children there).
// Only comparisons happen in SIMD registers; the leaves' values are added afterwards, one lane at a
// time, in tree order per row, so every sum is the one scikit-learn computes. With AVX-512, a walk of
// deep trees (until no lane moves) packs its last few moving lanes into fewer vectors (finish_few), or,
// for forest classifiers, sets them aside to walk with other trees' (defer_few, walk_stragglers).
//
// Memory: every pointer is the caller's (Swift arrays and scratch buffers borrowed for one call);
// the kernels keep none of them. Lane state lives in 64-element arrays on this file's stacks.
#include "CTreeKernels.h"

#include <stdlib.h>
#include <string.h>

enum { LANES = ctk_lanes };

/// The lanes one walk takes with instruction set `isa`: 8 AVX-512 vectors, or 8 AVX2 ones (AVX2 has
/// 16 registers, and each vector needs two).
static int64_t lanes_of(int isa) { return isa == 2 ? LANES : LANES / 2; }

/// The lanes of a narrow walk (walker's held 7): as AVX2's; 128 measured slower on Zen 4 (its last rounds
/// walk more idle lanes: DecisionTreeRegressor deep 27.3 -> 29.2 ns a row, ExtraTreesClassifier on
/// digits 1700 -> 2020), 32 too (ExtraTreesClassifier on digits 1700 -> 1770), 48 the same.
enum { NARROW_LANES = LANES / 2 };

/// The walk of one round of lanes: `node` (in: each lane's root or the idle leaf; out: its leaf),
/// `row` (each lane's offset of its row in `keys`), `rounds` (levels to descend, or 0: until no lane
/// moves). Each instruction set has one walk per count of vectors in use, so that a call with few walks
/// (the last trees of a forest) runs only the vectors holding them.
/// `keys` is the input keys, or for the walks reading doubles (walker's `held` 4 and 5) the rows'
/// values themselves, as `const double *`.
typedef void (*walk_fn)(const ctk_forest *f, const void *keys, int32_t *node, const int32_t *row, int rounds);

#if defined(__x86_64__)
#include <immintrin.h>

// A round reads each lane's node with one 64-bit gather (its packed word and threshold key), then the
// lane's input key of the node's feature; the next node is node + (left − node) + (key > threshold).
// The bodies are inlined into one function per vector count V, so their lane state stays in registers.

// `held` (1 or 2) is the number of rows whose keys this walk holds in registers instead of gathering
// them: then `keys` is a table of 64 keys, row p's at 32p (at most 32 features), each lane's row offset
// is 0 or 32, and a lane's key is a permutation of the table's registers (a 16-element gather costs
// several times a permutation). The few-rows walk of one or two rows reads keys this way.
// `upper` (1): every lane walks the tree whose root is node[0] (one tree for many rows), and the first
// UPPER_ROUNDS rounds read its nodes from registers: in breadth-first order the nodes of depth 0 to 5
// are the first 63 at most, so they fit four registers of words and four of thresholds (the last upper
// round picks from all four; 6 rounds against 5: ExtraTreesClassifier on digits 875 -> 867 ns a row).
// Lanes outside them (idle ones) stay where they are during those rounds.
enum { UPPER_ROUNDS = 6, UPPER_NODES = 1 << UPPER_ROUNDS, UPPER_REGISTERS = UPPER_NODES / 16 };
/// Lanes still moving at which a walk of more vectors packs them into two (finish_few): 16 and 48
/// measured slower (ExtraTreesClassifier on digits 4096 rows: 1015 and 1013 ns a row against 982),
/// and so did packing again at each halving (1032).
enum { FEW_LANES = 32 };
__attribute__((target("avx512f"))) static void walk_avx512_1(const ctk_forest *, const void *, int32_t *, const int32_t *, int);
__attribute__((target("avx512f"))) static void walk_avx512_2(const ctk_forest *, const void *, int32_t *, const int32_t *, int);
__attribute__((target("avx512f"))) static void walk_avx512_doubles_1(const ctk_forest *, const void *, int32_t *, const int32_t *, int);
__attribute__((target("avx512f"))) static void walk_avx512_doubles_2(const ctk_forest *, const void *, int32_t *, const int32_t *, int);

/// The rest of a walk until no lane moves, once at most FEW_LANES lanes still move (`moved[v]`: the
/// lanes of vector v that moved in the round just walked; the others are at their leaves): their
/// nodes and rows packed into one or two vectors, which walk on alone (a round then costs one or two
/// vectors' gathers instead of V's), and the leaves written back to their lanes. Deep trees' leaves
/// lie at very different depths (ExtraTreesClassifier on digits: 9 levels on average, the deepest of
/// 128 rows 15), so most of a walk's last rounds had only a few lanes still moving.
__attribute__((target("avx512f"), always_inline))
static inline void finish_few(const ctk_forest *f, const void *keys, int32_t *node, const __m512i *n, const __m512i *r,
                              const __mmask16 *moved, const int V, int active, const int doubles) {
    int32_t packedNode[FEW_LANES], packedRow[FEW_LANES], lane[FEW_LANES];
    int k = 0;
    for (int v = 0; v < V; v++) {
        _mm512_storeu_si512(node + 16 * v, n[v]);
        const __m512i index = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(16 * v));
        _mm512_mask_compressstoreu_epi32(packedNode + k, moved[v], n[v]);
        _mm512_mask_compressstoreu_epi32(packedRow + k, moved[v], r[v]);
        _mm512_mask_compressstoreu_epi32(lane + k, moved[v], index);
        k += __builtin_popcount(moved[v]);
    }
    for (int j = k; j < FEW_LANES; j++) packedNode[j] = f->idle, packedRow[j] = 0;
    if (doubles) (active <= 16 ? walk_avx512_doubles_1 : walk_avx512_doubles_2)(f, keys, packedNode, packedRow, 0);
    else (active <= 16 ? walk_avx512_1 : walk_avx512_2)(f, keys, packedNode, packedRow, 0);
    for (int j = 0; j < k; j++) node[lane[j]] = packedNode[j];
}

/// Walks' last few moving lanes set aside (defer_few), to be walked together later (walk_stragglers):
/// lane k is at node[k] with its row's keys at row[k], and its leaf goes to leaf[out[k]].
typedef struct {
    int32_t node[LANES], row[LANES], out[LANES];
    int count;
} stragglers;

/// Instead of finish_few: stores every lane's node (the moving ones' are not their leaves yet) and
/// appends the moving lanes to `pending` (room for FEW_LANES more is the caller's to ensure), lane L's
/// leaf to go to leaf[outBase + 16 v + L].
__attribute__((target("avx512f"), always_inline))
static inline void defer_few(int32_t *node, const __m512i *n, const __m512i *r, const __mmask16 *moved, const int V,
                             stragglers *pending, int32_t outBase) {
    for (int v = 0; v < V; v++) {
        _mm512_storeu_si512(node + 16 * v, n[v]);
        const __m512i out = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                             _mm512_set1_epi32(outBase + 16 * v));
        _mm512_mask_compressstoreu_epi32(pending->node + pending->count, moved[v], n[v]);
        _mm512_mask_compressstoreu_epi32(pending->row + pending->count, moved[v], r[v]);
        _mm512_mask_compressstoreu_epi32(pending->out + pending->count, moved[v], out);
        pending->count += __builtin_popcount(moved[v]);
    }
}

/// The keys (ctk_input_keys's, bit for bit) of the 16 values at inputs[at], for the lanes in `wanted`
/// (the others' are INT32_MAX): two 64-bit gathers read as many elements as one key gather, and a
/// lone tree's walk reads only the values on its path, where converting every value first cost a
/// fifth of the time (DecisionTreeClassifier, 20 features, at 4096 rows).
__attribute__((target("avx512f"), always_inline))
static inline __m512i keys_at(const double *inputs, __m512i at, __mmask16 wanted) {
    const __m512d zero = _mm512_setzero_pd();
    const __m512d low = _mm512_mask_i32gather_pd(zero, (__mmask8)wanted, _mm512_castsi512_si256(at), inputs, 8);
    const __m512d high = _mm512_mask_i32gather_pd(zero, (__mmask8)(wanted >> 8), _mm512_extracti64x4_epi64(at, 1), inputs, 8);
    // Rounded to float (to nearest, as the C cast), + 0 turning −0 into +0.
    const __m512 single = _mm512_add_ps(_mm512_castsi512_ps(_mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_castps_si256(_mm512_cvtpd_ps(low))), _mm256_castps_si256(_mm512_cvtpd_ps(high)), 1)),
        _mm512_setzero_ps());
    const __m512i bits = _mm512_castps_si512(single);
    // bits ^ (sign & magnitude): ternary-logic table 0x78 is a ^ (b & c).
    const __m512i key = _mm512_ternarylogic_epi32(bits, _mm512_srai_epi32(bits, 31), _mm512_set1_epi32(0x7FFFFFFF), 0x78);
    const __mmask16 top = (__mmask16)(~wanted | _mm512_cmp_ps_mask(single, single, _CMP_UNORD_Q));
    return _mm512_mask_mov_epi32(key, top, _mm512_set1_epi32(INT32_MAX));
}

/// `doubles` (1): `keys` is the rows' values (`const double *`), each key made by keys_at as it is read.
/// `packs` (1): a walk until no lane moves packs its last few moving lanes (finish_few) whatever `held`.
__attribute__((target("avx512f"), always_inline))
static inline void walk_avx512(const ctk_forest *f, const void *input, int32_t *node, const int32_t *row,
                               int rounds, const int V, const int held, const int upper, const int doubles, const int packs,
                               stragglers *pending, int32_t outBase) {
    const int32_t *keys = input;
    // On CPUs whose 512-bit gathers are slow (ctk_prefers_narrow_gathers), the nodes and gathered keys
    // come 256 bits a gather (the values of `doubles` walks still 512) where the walk routes missing
    // values: on Zen 4 that made these walks twice as slow with 512-bit gathers (GradientBoostingRegressor
    // 300 depth 6 at 1 row, its file marked as taking missing values: 1470 -> 2775 ns a row; why is not
    // measured), and 256-bit ones bring it back to 1600; without routing, 256-bit gathers measured 2-5 %
    // slower (the same model unmarked: 1470 -> 1510; a random forest of depth 6: 550 -> 563).
    const int narrowGathers = f->narrowGathers && f->routesMissing;
    __m512i table[4];
    for (int q = 0; q < 2 * held; q++) table[q] = _mm512_loadu_si512(keys + 16 * q);
    const __m512i secondRow = _mm512_set1_epi32(32);
    __m512i n[8], r[8];
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
    const __m512i root = _mm512_set1_epi32(node[0]), upperCount = _mm512_set1_epi32(UPPER_NODES);
    const __m512i lowerCount = _mm512_set1_epi32(32);
    __m512i upperWord[UPPER_REGISTERS], upperThreshold[UPPER_REGISTERS];
    if (upper) {
        // The UPPER_NODES records from the root on, masked at the end of the array (the idle leaf is last).
        const int64_t records = (int64_t)f->idle + 1 - node[0];
        __m512i quarter[2 * UPPER_REGISTERS];
        for (int q = 0; q < 2 * UPPER_REGISTERS; q++) {
            const int64_t words32 = 2 * (records - 8 * q);
            const __mmask16 present = words32 >= 16 ? 0xFFFF : words32 <= 0 ? 0 : (__mmask16)((1u << words32) - 1);
            quarter[q] = _mm512_maskz_loadu_epi32(present, f->packed + 2 * (int64_t)node[0] + 16 * q);
        }
        for (int h = 0; h < UPPER_REGISTERS; h++) {
            upperWord[h] = _mm512_permutex2var_epi32(quarter[2 * h], words, quarter[2 * h + 1]);
            upperThreshold[h] = _mm512_permutex2var_epi32(quarter[2 * h], thresholds, quarter[2 * h + 1]);
        }
    }
    for (int round = 0; rounds == 0 || round < rounds; round++) {
        __mmask16 moved = 0, movedOf[8];
        // Unrolled, so that the lanes' state stays in registers (the compiler keeps a loop this long).
#pragma clang loop unroll(full)
        for (int v = 0; v < V; v++) {
            __m512i w, t;
            __mmask16 outside = 0;
            if (upper && round < UPPER_ROUNDS) {
                const __m512i relative = _mm512_sub_epi32(n[v], root);
                // Before the last upper round only nodes 0 to 31 are read (bits 0-4 pick one): a lane past
                // them (an idle one, when a small tree's idle leaf lies within 64 records of its root) stays.
                outside = _mm512_cmpge_epu32_mask(relative, round == UPPER_ROUNDS - 1 ? upperCount : lowerCount);
                w = _mm512_permutex2var_epi32(upperWord[0], relative, upperWord[1]);
                t = _mm512_permutex2var_epi32(upperThreshold[0], relative, upperThreshold[1]);
                if (UPPER_REGISTERS == 4 && round == UPPER_ROUNDS - 1) {
                    // Only the last upper round reaches nodes 32 to 63.
                    const __mmask16 second = _mm512_test_epi32_mask(relative, _mm512_set1_epi32(32));
                    w = _mm512_mask_blend_epi32(second, w, _mm512_permutex2var_epi32(upperWord[2], relative, upperWord[3]));
                    t = _mm512_mask_blend_epi32(second, t, _mm512_permutex2var_epi32(upperThreshold[2], relative, upperThreshold[3]));
                }
            } else {
                __m512i low, high;
                if (narrowGathers) {
                    const __m256i a = _mm512_castsi512_si256(n[v]), b = _mm512_extracti64x4_epi64(n[v], 1);
                    low = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_i32gather_epi64(packed, _mm256_castsi256_si128(a), 8)),
                                             _mm256_i32gather_epi64(packed, _mm256_extracti128_si256(a, 1), 8), 1);
                    high = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_i32gather_epi64(packed, _mm256_castsi256_si128(b), 8)),
                                              _mm256_i32gather_epi64(packed, _mm256_extracti128_si256(b, 1), 8), 1);
                } else {
                    low = _mm512_i32gather_epi64(_mm512_castsi512_si256(n[v]), packed, 8);
                    high = _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(n[v], 1), packed, 8);
                }
                w = _mm512_permutex2var_epi32(low, words, high);
                t = _mm512_permutex2var_epi32(low, thresholds, high);
            }
            const __m512i feature = _mm512_and_si512(w, featureMask);
            const __m512i at = _mm512_add_epi32(r[v], feature);
            __m512i k;
            if (doubles) k = keys_at(input, at, (__mmask16)~outside);
            else if (held == 0 && narrowGathers) {
                // Unmasked: a lane outside the upper nodes reads a real node's feature of its own row.
                const __m256i a = _mm512_castsi512_si256(at), b = _mm512_extracti64x4_epi64(at, 1);
                k = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_i32gather_epi32(keys, a, 4)), _mm256_i32gather_epi32(keys, b, 4), 1);
                if (upper) k = _mm512_mask_mov_epi32(top, (__mmask16)~outside, k);
            }
            else if (held == 0 && upper) k = _mm512_mask_i32gather_epi32(top, (__mmask16)~outside, at, keys, 4);
            else if (held == 0) k = _mm512_i32gather_epi32(at, keys, 4);
            else k = _mm512_permutex2var_epi32(table[0], at, table[1]);  // bit 4 picks the register
            if (held == 2) {
                k = _mm512_mask_blend_epi32(_mm512_test_epi32_mask(at, secondRow), k,
                                            _mm512_permutex2var_epi32(table[2], at, table[3]));
            }
            __mmask16 right = _mm512_cmpgt_epi32_mask(k, t);
            // A missing value's key is INT32_MAX: it goes left where the split says so.
            if (missing) right &= (__mmask16)~(_mm512_test_epi32_mask(w, missingBit) & _mm512_cmpeq_epi32_mask(k, top));
            const __m512i left = _mm512_add_epi32(n[v], _mm512_srl_epi32(w, deltaShift));
            __m512i x = _mm512_mask_add_epi32(left, right, left, one);
            if (upper) x = _mm512_mask_mov_epi32(x, outside, n[v]);
            if (rounds == 0) movedOf[v] = _mm512_cmpneq_epi32_mask(x, n[v]), moved |= movedOf[v];
            n[v] = x;
        }
        if (rounds == 0 && !moved) break;
        // Many rows' walks, and two rows' held in registers (HistGradientBoostingRegressor at 2 rows
        // 1639 -> 1509 ns a row; random forests' regressors 2 % slower); one row's measured slower
        // (RandomForestRegressor 100 deep at 1 row 1207 -> 1334 ns). Stragglers' walks too (`packs`; at 4096
        // rows, ExtraTreeClassifier deep 17.8 -> 17.5 ns a row, RandomForestClassifier 100 deep 940 -> 923).
        if (rounds == 0 && V > 2 && (upper || held == 2 || packs) && (!upper || round >= UPPER_ROUNDS)) {
            int active = 0;
            for (int v = 0; v < V; v++) active += __builtin_popcount(movedOf[v]);
            if (active <= FEW_LANES) {
                if (pending) {
                    defer_few(node, n, r, movedOf, V, pending, outBase);
                } else {
                    finish_few(f, input, node, n, r, movedOf, V, active, doubles);
                }
                return;
            }
        }
    }
    for (int v = 0; v < V; v++) _mm512_storeu_si512(node + 16 * v, n[v]);
}

/// (Also the narrow walks, with AVX-512: compiled for its 32 registers, the eight vectors' nodes and rows
/// stay in registers, where AVX2's 16 spill some.)
__attribute__((target("avx2"), always_inline))
static inline void walk_avx2(const ctk_forest *f, const int32_t *keys, int32_t *node, const int32_t *row,
                             int rounds, const int V) {
    __m256i n[8], r[8];
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
    for (int round = 0; rounds == 0 || round < rounds; round++) {
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
            if (rounds == 0) same = _mm256_and_si256(same, _mm256_cmpeq_epi32(x, n[v]));
            n[v] = x;
        }
        if (rounds == 0 && _mm256_movemask_epi8(same) == -1) break;
    }
    for (int v = 0; v < V; v++) _mm256_storeu_si256((__m256i *)(node + 8 * v), n[v]);
}

#define WALK_WITH(name, features, body) \
    __attribute__((target(features))) static void name(const ctk_forest *f, const void *keys, int32_t *node, \
        const int32_t *row, int rounds) { body; }
#define WALKS_OF(V) \
    WALK_WITH(walk_avx512_##V, "avx512f", walk_avx512(f, keys, node, row, rounds, V, 0, 0, 0, 0, NULL, 0)) \
    WALK_WITH(walk_avx512_held1_##V, "avx512f", walk_avx512(f, keys, node, row, rounds, V, 1, 0, 0, 0, NULL, 0)) \
    WALK_WITH(walk_avx512_held2_##V, "avx512f", walk_avx512(f, keys, node, row, rounds, V, 2, 0, 0, 0, NULL, 0)) \
    WALK_WITH(walk_avx512_upper_##V, "avx512f", walk_avx512(f, keys, node, row, rounds, V, 0, 1, 0, 0, NULL, 0)) \
    WALK_WITH(walk_avx512_doubles_##V, "avx512f", walk_avx512(f, keys, node, row, rounds, V, 0, 0, 1, 1, NULL, 0)) \
    WALK_WITH(walk_avx512_packing_##V, "avx512f", walk_avx512(f, keys, node, row, rounds, V, 0, 0, 0, 1, NULL, 0)) \
    WALK_WITH(walk_avx512_upper_doubles_##V, "avx512f", walk_avx512(f, keys, node, row, rounds, V, 0, 1, 1, 1, NULL, 0)) \
    WALK_WITH(walk_avx2_##V, "avx2", walk_avx2(f, keys, node, row, rounds, V)) \
    WALK_WITH(walk_narrow_##V, "avx2,avx512f,avx512vl", walk_avx2(f, keys, node, row, rounds, V))
WALKS_OF(1) WALKS_OF(2) WALKS_OF(3) WALKS_OF(4) WALKS_OF(5) WALKS_OF(6) WALKS_OF(7) WALKS_OF(8)

/// A full walk (128 lanes) of one tree whose upper levels are held in registers (as walk_avx512_upper_8),
/// whose last few moving lanes go to `pending` instead of being walked now (walks until no lane moves).
__attribute__((target("avx512f")))
static void walk_avx512_upper_deferring(const ctk_forest *f, const void *keys, int32_t *node, const int32_t *row,
                                        stragglers *pending, int32_t outBase, const int doubles) {
    if (doubles) walk_avx512(f, keys, node, row, 0, 8, 0, 1, 1, 1, pending, outBase);
    else walk_avx512(f, keys, node, row, 0, 8, 0, 1, 0, 0, pending, outBase);
}

#endif

/// The walk of `lanes` (1...lanes_of(isa)) walks with instruction set `isa`, reading keys held in
/// registers for `held` rows (1 or 2; AVX-512 only) or gathering them (0), or (held 3, AVX-512 only)
/// gathering them for lanes that all walk one tree, whose upper levels it holds in registers; held 4
/// and 5 (AVX-512 only) as 0 and 3, reading the rows' values instead of keys (keys_at); held 6 (AVX-512
/// only) as 0, packing its last few moving lanes (finish_few: the stragglers' walks); held 7 (AVX-512
/// only, up to NARROW_LANES lanes) as 0 on 256-bit vectors (ctk_prefers_narrow_gathers).
static walk_fn walker(int isa, int64_t lanes, int held) {
#if defined(__x86_64__)
#define EIGHT(prefix) {prefix##1, prefix##2, prefix##3, prefix##4, prefix##5, prefix##6, prefix##7, prefix##8}
    static const walk_fn avx512[8][8] = {EIGHT(walk_avx512_), EIGHT(walk_avx512_held1_), EIGHT(walk_avx512_held2_),
                                         EIGHT(walk_avx512_upper_), EIGHT(walk_avx512_doubles_), EIGHT(walk_avx512_upper_doubles_),
                                         EIGHT(walk_avx512_packing_), EIGHT(walk_narrow_)};
    static const walk_fn avx2[8] = EIGHT(walk_avx2_);
#undef EIGHT
    if (isa == 2 && isa <= ctk_best_isa() && held == 7) return avx512[held][(lanes - 1) / 8];
    if (isa == 2 && isa <= ctk_best_isa()) return avx512[held][(lanes - 1) / 16];
    if (isa == 1 && isa <= ctk_best_isa() && held == 0) return avx2[(lanes - 1) / 8];
#endif
    (void)isa;
    (void)lanes;
    (void)held;
    abort();  // callers pass a level up to ctk_best_isa(), and never 0; only AVX-512 holds keys
}

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

/// The stragglers' walks, together (up to 128 lanes), their leaves written where each one's goes.
__attribute__((target("avx512f")))
static void walk_stragglers(const ctk_forest *f, const void *keys, int doubles, stragglers *s, int isa, int32_t *leaf) {
    if (s->count == 0) return;
    for (int j = s->count; j < LANES; j++) s->node[j] = f->idle, s->row[j] = 0;
    walker(isa, s->count, doubles ? 4 : 6)(f, keys, s->node, s->row, 0);
    // 16 leaves a step: their rows of rowValues gathered where the forest has them, then scattered.
    for (int j = 0; j < s->count; j += 16) {
        const __mmask16 lanes = s->count - j >= 16 ? 0xFFFF : (__mmask16)((1u << (s->count - j)) - 1);
        __m512i v = _mm512_maskz_loadu_epi32(lanes, s->node + j);
        if (f->valueRow) v = _mm512_mask_i32gather_epi32(v, lanes, v, f->valueRow, 4);
        _mm512_mask_i32scatter_epi32(leaf, lanes, _mm512_maskz_loadu_epi32(lanes, s->out + j), v, 4);
    }
    s->count = 0;
}

/// Writes the leaf of tree t + i for each of `count` rows (row j's keys at keys + offsets[j]) to
/// leaf[i * stride + j], i < g: its node, or its row of rowValues where the forest has them. A walk's
/// rows go through all g trees before the next rows: their keys are then read from the L1 cache after the
/// first tree (a chunk's keys are up to a MiB). `doubles` (1): `keys` is the rows' values (walker's
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
                if (pending.count > LANES - FEW_LANES) walk_stragglers(f, keys, doubles, &pending, isa, leaf);
                walk_avx512_upper_deferring(f, keys, node, offsets + first, &pending, (int32_t)(i * stride + first), doubles);
            } else if (walkKeys) {
                walker(isa, n, 7)(f, walkKeys, node, walkOffsets, rounds);
            } else {
                walker(isa, n, narrow ? 7 : doubles ? 5 : isa == 2 ? 3 : 0)(f, keys, node, offsets + first, rounds);
            }
            // (A set-aside lane's node is overwritten with its leaf by walk_stragglers.)
            if (f->valueRow) {
                value_rows(f->valueRow, node, n, leaf + i * stride + first);
            } else {
                memcpy(leaf + i * stride + first, node, sizeof(int32_t) * (size_t)n);
            }
        }
    }
    walk_stragglers(f, keys, doubles, &pending, isa, leaf);
    free(walkKeys);
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
    // Wide leaves adding to every raw score (forest classifiers) with AVX-512: trees in groups.
    const int grouped = isa == 2 && f->treeCount > 1 && f->valueWidth > 1 && f->valueWidth == f->outputCount && !f->float32Sums;
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
                find_leaves(f, t, g, keys, 0, offsets, count, isa, groupLeaves, LEAF_STRIDE);
                add_group_avx512(f, g, groupLeaves, LEAF_STRIDE, count, out);
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
            for (int64_t first = 0; first < count; first += lanes) {
                const int64_t n = count - first < lanes ? count - first : lanes;
                for (int64_t j = 0; j < n; j++) node[j] = root;
                for (int64_t j = n; j < LANES; j++) node[j] = f->idle;
                walker(isa, n, isa == 2 ? 3 : 0)(f, keys, node, offsets + first, rounds);
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
            walker(isa, rows * n, holds ? (int)rows : 0)(f, walked, node, row, rounds_for(f, first, n));
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
