// SIMD walks of InterleavedForest's layout (see CTreeKernels.h): up to 128 lanes (each a tree and a row)
// step down one level per round until every lane is at a leaf. A round is two gathers per vector:
// the nodes' packed records (feature, missing flag, left child's offset; threshold key), one 64-bit
// element each, then the lanes' input keys of those features; a lane whose key is above the
// threshold goes to left + 1 (the layout puts right children there).
// Only comparisons happen in SIMD registers: a walk finds leaves, and InterleavedWalk.c, which decides
// what each walk takes, adds their values in tree order per row. With AVX-512, a walk of
// deep trees (until no lane moves) packs its last few moving lanes into fewer vectors (finish_few), or,
// for forest classifiers, sets them aside to walk with other trees' (defer_few, ctk_walk_stragglers).
// With AVX2 alone, the walks take scalar loads instead of gathers (walk_scalar).
//
// Memory: every pointer is the caller's (Swift arrays and scratch buffers borrowed for one call);
// the kernels keep none of them. Lane state lives in 64-element arrays on this file's stacks.
#include "Walks.h"

#include <stdlib.h>

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

/// The narrow walks, with AVX-512 (ctk_prefers_narrow_gathers): 256-bit gathers, compiled for AVX-512's 32
/// registers, where the eight vectors' nodes and rows stay. (AVX2 alone walks without gathers: walk_scalar.)
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

/// AVX2's walk of V · 8 lanes, without gathers: 8 lanes at a time in general registers, each step a
/// scalar load of the node's record, one of the key, a compare and an add, the 8 lanes' chains of loads
/// interleaved. On AMD Zen 3 the gathers cost more than the loads they stand for. InferenceBench on
/// bench/inference_sklearn.py's kinds, best of 4 to 6 alternating runs, ns a row, walk_avx2's gathers ->
/// this walk: at 1 / 2 rows (each row's trees), GradientBoostingRegressor (300, depth 6) 3749 / 3571
/// -> 2996 / 2917, HistGradientBoostingRegressor 6344 / 5905 -> 4793 / 4704, RandomForestRegressor
/// (100, deep) 4413 / 3949 -> 3984 / 3857; at 4096 rows (each tree's rows), deep lone trees 9–14 % less
/// (DecisionTreeRegressor 47 -> 42, ExtraTreeClassifier 58 -> 50), ExtraTreesClassifier on digits 4191
/// -> 3616, the deep random forest the same, HistGradientBoostingRegressor 3 % more (3956 -> 4061).
/// `still` (a constant at each call, as `missing`): walk until no lane moves, else `rounds` levels.
/// Missing values are routed by an addition (below) instead of a test of the key: 2 / 4096 rows,
/// HistGradientBoostingRegressor 4435 / 4145 -> 3806 / 3467 ns a row, RandomForestRegressor (deep)
/// 4004 / 6701 -> 3115 / 5440 (InferenceBench, best of 6 alternating runs, the same Zen 3).
/// `common` (a constant too): the forest's featureBits is CTK_COMMON_FEATURE_BITS, so that the masks and
/// shifts are immediates rather than registers or spilled values. `oneRow` (a constant): every lane
/// reads the keys at row[0] (one row's trees), one pointer where 8 lanes' pointers did not fit the
/// registers: 2-6 % less a row at 2 rows (GradientBoostingRegressor (300, depth 6) 2528 -> 2489,
/// HistGradientBoostingRegressor 3535 -> 3325 ns a row, best of 5 alternating runs).
__attribute__((always_inline))
static inline void walk_scalar(const ctk_forest *f, const int32_t *keys, int32_t *node, const int32_t *row,
                               int rounds, const int V, const int still, const int missing, const int common, const int oneRow) {
    const uint64_t *packed = (const uint64_t *)f->packed;
    const int featureBits = common ? CTK_COMMON_FEATURE_BITS : f->featureBits;
    const int32_t featureMask = (1 << featureBits) - 1, missingBit = 1 << featureBits;
    const int deltaShift = featureBits + 1;
    for (int g = 0; g < V; g++) {
        uint32_t n[8];
        const int32_t *k[8];
#pragma clang loop unroll(full)
        for (int l = 0; l < 8; l++) n[l] = (uint32_t)node[8 * g + l], k[l] = keys + row[oneRow ? 0 : 8 * g + l];
        for (int round = 0; still || round < rounds; round++) {
            uint32_t moved = 0;
#pragma clang loop unroll(full)
            for (int l = 0; l < 8; l++) {
                const uint64_t record = packed[n[l]];
                const int32_t w = (int32_t)record, t = (int32_t)(record >> 32);
                const int32_t key = k[l][w & featureMask];
                // A missing value's key is INT32_MAX. Where the node sends it left (its missing bit m
                // is 1), the key and the threshold are compared with m added to both, wrapping:
                // INT32_MAX becomes INT32_MIN, below every threshold, and every other key compares as
                // it did (InterleavedForest.pack gives the bit only to thresholds below INT32_MAX, and
                // leaves, INT32_MAX, have m 0).
                const uint32_t m = missing ? ((uint32_t)w & (uint32_t)missingBit) >> featureBits : 0;
                const uint32_t right = (int32_t)((uint32_t)key + m) > (int32_t)((uint32_t)t + m);
                uint32_t x = n[l] + ((uint32_t)w >> deltaShift) + right;
                // In a general register: the compiler otherwise packs the 8 lanes into a vector, whose
                // lanes it then extracts one by one for the loads.
                __asm__("" : "+r"(x));
                if (still) moved |= x ^ n[l];
                n[l] = x;
            }
            if (still && !moved) break;
        }
#pragma clang loop unroll(full)
        for (int l = 0; l < 8; l++) node[8 * g + l] = (int32_t)n[l];
    }
}

/// walk_scalar with its constants picked.
__attribute__((always_inline))
static inline void walk_scalar_any(const ctk_forest *f, const int32_t *keys, int32_t *node, const int32_t *row, int rounds, const int V,
                                   const int oneRow) {
#define WITH_BITS(still, missing) do { \
        if (f->featureBits == CTK_COMMON_FEATURE_BITS) walk_scalar(f, keys, node, row, rounds, V, still, missing, 1, oneRow); \
        else walk_scalar(f, keys, node, row, rounds, V, still, missing, 0, oneRow); } while (0)
    if (rounds == 0) {
        if (f->routesMissing) WITH_BITS(1, 1);
        else WITH_BITS(1, 0);
    } else {
        if (f->routesMissing) WITH_BITS(0, 1);
        else WITH_BITS(0, 0);
    }
#undef WITH_BITS
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
    WALK_WITH(walk_scalar_##V, "avx2", walk_scalar_any(f, keys, node, row, rounds, V, 0)) \
    WALK_WITH(walk_scalar_one_row_##V, "avx2", walk_scalar_any(f, keys, node, row, rounds, V, 1)) \
    WALK_WITH(walk_narrow_##V, "avx2,avx512f,avx512vl", walk_avx2(f, keys, node, row, rounds, V))
WALKS_OF(1) WALKS_OF(2) WALKS_OF(3) WALKS_OF(4) WALKS_OF(5) WALKS_OF(6) WALKS_OF(7) WALKS_OF(8)

/// (Walks.h says what.) walk_avx512_upper_8's walk until no lane moves, deferring instead of packing.
__attribute__((target("avx512f")))
void ctk_walk_upper_deferring(const ctk_forest *f, const void *keys, int32_t *node, const int32_t *row,
                              stragglers *pending, int32_t outBase, const int doubles) {
    if (doubles) walk_avx512(f, keys, node, row, 0, 8, 0, 1, 1, 1, pending, outBase);
    else walk_avx512(f, keys, node, row, 0, 8, 0, 1, 0, 0, pending, outBase);
}

#endif

/// The walk of `lanes` (1...lanes_of(isa)) walks with instruction set `isa`, reading keys held in
/// registers for `held` rows (1 or 2; with AVX2, held 1: every lane's row is row[0], read from
/// memory) or gathering them (0), or (held 3, AVX-512 only)
/// gathering them for lanes that all walk one tree, whose upper levels it holds in registers; held 4
/// and 5 (AVX-512 only) as 0 and 3, reading the rows' values instead of keys (keys_at); held 6 (AVX-512
/// only) as 0, packing its last few moving lanes (finish_few: the stragglers' walks); held 7 (AVX-512
/// only, up to NARROW_LANES lanes) as 0 on 256-bit vectors (ctk_prefers_narrow_gathers).
walk_fn ctk_walker(int isa, int64_t lanes, int held) {
#if defined(__x86_64__)
#define EIGHT(prefix) {prefix##1, prefix##2, prefix##3, prefix##4, prefix##5, prefix##6, prefix##7, prefix##8}
    static const walk_fn avx512[8][8] = {EIGHT(walk_avx512_), EIGHT(walk_avx512_held1_), EIGHT(walk_avx512_held2_),
                                         EIGHT(walk_avx512_upper_), EIGHT(walk_avx512_doubles_), EIGHT(walk_avx512_upper_doubles_),
                                         EIGHT(walk_avx512_packing_), EIGHT(walk_narrow_)};
    static const walk_fn avx2[2][8] = {EIGHT(walk_scalar_), EIGHT(walk_scalar_one_row_)};
#undef EIGHT
    if (isa == 2 && isa <= ctk_best_isa() && held == 7) return avx512[held][(lanes - 1) / 8];
    if (isa == 2 && isa <= ctk_best_isa()) return avx512[held][(lanes - 1) / 16];
    if (isa == 1 && isa <= ctk_best_isa() && held <= 1) return avx2[held][(lanes - 1) / 8];
#endif
    (void)isa;
    (void)lanes;
    (void)held;
    abort();  // callers pass a level up to ctk_best_isa(), and never 0; only AVX-512 holds keys
}

#if defined(__x86_64__)
/// (Walks.h says what.)
__attribute__((target("avx512f")))
void ctk_walk_stragglers(const ctk_forest *f, const void *keys, int doubles, stragglers *s, int isa, int32_t *leaf) {
    if (s->count == 0) return;
    for (int j = s->count; j < LANES; j++) s->node[j] = f->idle, s->row[j] = 0;
    ctk_walker(isa, s->count, doubles ? 4 : 6)(f, keys, s->node, s->row, 0);
    // 16 leaves a step: their rows of rowValues gathered where the forest has them, then scattered.
    for (int j = 0; j < s->count; j += 16) {
        const __mmask16 lanes = s->count - j >= 16 ? 0xFFFF : (__mmask16)((1u << (s->count - j)) - 1);
        __m512i v = _mm512_maskz_loadu_epi32(lanes, s->node + j);
        if (f->valueRow) v = _mm512_mask_i32gather_epi32(v, lanes, v, f->valueRow, 4);
        _mm512_mask_i32scatter_epi32(leaf, lanes, _mm512_maskz_loadu_epi32(lanes, s->out + j), v, 4);
    }
    s->count = 0;
}
#endif
