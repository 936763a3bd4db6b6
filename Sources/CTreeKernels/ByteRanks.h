// A row's inputs as rank bytes, and one node position's outcomes for 32 trees from them: the first steps
// of the byte-lane kernels on trees' lanes, ShallowBytes.c (depth 4), DeepBytes.c (depths 5–8) and
// LeafSets.c (up to 32 leaves). Each includes it after immintrin.h and its AVX2_TARGET.

/// The sum of v's eight lanes.
AVX2_TARGET __attribute__((always_inline))
static inline int lane_sum(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

/// The rank bytes of one or two rows (`second` may be `first`), xor 0x80: for each slot s < slotCount,
/// how many of its keys are below the row's input slotFeature[s] (NaN's INT32_MAX: all of them); 0 in
/// the lanes above. The keys go 16 at a time; each key below the row's subtracts 1 from its lane of a
/// running vector (a compare's all-ones), whose lanes are added up where the slot changes: no scalar
/// chain from group to group. (AVX2 only, so that every build inlines it.)
AVX2_TARGET __attribute__((always_inline))
static inline void ranks_of(const ctk_byte_trees *f, const int32_t *first, const int32_t *second, __m256i *ranksFirst, __m256i *ranksSecond) {
    uint8_t rankA[32] __attribute__((aligned(32))) = {0}, rankB[32] __attribute__((aligned(32))) = {0};
    if (f->groupCount > 0) {
        int slot = f->groupFeature[0];
        __m256i xa = _mm256_set1_epi32(first[f->slotFeature[slot]]), xb = _mm256_set1_epi32(second[f->slotFeature[slot]]);
        __m256i belowA = _mm256_setzero_si256(), belowB = _mm256_setzero_si256();
        for (int64_t g = 0; g < f->groupCount; g++) {
            if (f->groupFeature[g] != slot) {
                rankA[slot] = (uint8_t)-lane_sum(belowA);
                rankB[slot] = (uint8_t)-lane_sum(belowB);
                slot = f->groupFeature[g];
                xa = _mm256_set1_epi32(first[f->slotFeature[slot]]);
                xb = _mm256_set1_epi32(second[f->slotFeature[slot]]);
                belowA = belowB = _mm256_setzero_si256();
            }
            const __m256i keys0 = _mm256_loadu_si256((const __m256i *)(f->keys + 16 * g));
            const __m256i keys1 = _mm256_loadu_si256((const __m256i *)(f->keys + 16 * g + 8));
            belowA = _mm256_add_epi32(belowA, _mm256_add_epi32(_mm256_cmpgt_epi32(xa, keys0), _mm256_cmpgt_epi32(xa, keys1)));
            belowB = _mm256_add_epi32(belowB, _mm256_add_epi32(_mm256_cmpgt_epi32(xb, keys0), _mm256_cmpgt_epi32(xb, keys1)));
        }
        rankA[slot] = (uint8_t)-lane_sum(belowA);
        rankB[slot] = (uint8_t)-lane_sum(belowB);
    }
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    *ranksFirst = _mm256_xor_si256(_mm256_load_si256((const __m256i *)rankA), flip);
    *ranksSecond = _mm256_xor_si256(_mm256_load_si256((const __m256i *)rankB), flip);
}

/// The rank bytes of one or two rows (`second` may be `first`), xor 0x80, as ranks_of gives them but for up to
/// 64 slots: rank[0] the first row's, rank[1] the second's. They come from a search in two steps of 16
/// compares a slot: its groups' last keys say which group of 16 holds the row's rank (the last if the row is
/// above them all), and that group's keys say where in it; a missing input ranks 0 in slots whose splits
/// send it left (`slotMissingLeft`). ranks_of compares a row with every key; in DeepBytes.c, XGBoost's 20
/// features of about 200 keys each took it 140 ns a row of 600 at depth 6 (AMD Zen 3, a timing test that
/// ranked only 16 keys).
AVX2_TARGET __attribute__((always_inline))
static inline void ranks_by_search(const ctk_byte_trees *f, const int32_t *first, const int32_t *second, uint8_t rank[2][64]) {
    for (int64_t slot = 0; slot < f->slotCount; slot++) {
        const int32_t *splitters = f->splitters + 16 * slot;
        const __m256i s0 = _mm256_loadu_si256((const __m256i *)splitters), s1 = _mm256_loadu_si256((const __m256i *)(splitters + 8));
        const int32_t lastGroup = f->slotGroup[slot + 1] - f->slotGroup[slot] - 1;
        const int32_t input[2] = {first[f->slotFeature[slot]], second[f->slotFeature[slot]]};
        for (int r = 0; r < 2; r++) {
            const __m256i x = _mm256_set1_epi32(input[r]);
            // Groups wholly below the row, at most the last: when the row is above every key, the last group's
            // keys all count and the rank is the slot's key count (searching on, 240 keys would rank 256,
            // which is 0 as a byte, and the last slot would read past the keys).
            int group = __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, s0)))
                                           | (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, s1))) << 8);
            group = group < lastGroup ? group : lastGroup;
            const int32_t *keys = f->keys + 16 * (f->slotGroup[slot] + group);
            const __m256i k0 = _mm256_loadu_si256((const __m256i *)keys), k1 = _mm256_loadu_si256((const __m256i *)(keys + 8));
            const int below = __builtin_popcount((unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, k0)))
                                                 | (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, k1))) << 8);
            // A missing input ranks first in the slots of splits that send it left.
            const int left = f->slotMissingLeft != 0 && f->slotMissingLeft[slot] && input[r] == INT32_MAX;
            rank[r][slot] = (uint8_t)((left ? 0 : 16 * group + below) ^ 0x80);
        }
    }
}

/// rank_of_slot's tables for one row's rank bytes (64, as ranks_by_search gives them): slots 16k … 16k + 15
/// in both halves of tables[k], for the first `width` + 1 tables, or 4 when width is 2.
AVX2_TARGET __attribute__((always_inline))
static inline void rank_tables(const uint8_t rank[64], __m256i tables[4], const int width) {
    const __m256i low = _mm256_load_si256((const __m256i *)rank);
    tables[0] = _mm256_permute2x128_si256(low, low, 0x00);
    tables[1] = _mm256_permute2x128_si256(low, low, 0x11);
    if (width == 2) {
        const __m256i high = _mm256_load_si256((const __m256i *)(rank + 32));
        tables[2] = _mm256_permute2x128_si256(high, high, 0x00);
        tables[3] = _mm256_permute2x128_si256(high, high, 0x11);
    }
}

/// Each lane's rank byte for the slot its byte of `index` names, from a row's rank tables (rank_tables):
/// slots 0–15 in both halves of tables[0], 16–31 of tables[1], 32–47 of tables[2], 48–63 of tables[3].
/// `width` (a constant at each call): 0 for at most 16 slots, one lookup; 1 for at most 32, two (a slot byte
/// has bit 7 set from slot 16 on, s | (s & 16) << 3, and pshufb reads an index with bit 7 set as "zero");
/// 2 for at most 64, the two lookups in tables 0–1 and in tables 2–3, then a blend by bit 6 of the slot
/// byte, set from slot 32 on ((s & 32) << 1; pshufb reads bits 0–3 and 7 only).
AVX2_TARGET __attribute__((always_inline))
static inline __m256i rank_of_slot(__m256i index, const __m256i *tables, const int width) {
    if (width == 0) return _mm256_shuffle_epi8(tables[0], index);
    const __m256i second = _mm256_xor_si256(index, _mm256_set1_epi8((char)0x80));
    const __m256i low = _mm256_or_si256(_mm256_shuffle_epi8(tables[0], index), _mm256_shuffle_epi8(tables[1], second));
    if (width == 1) return low;
    const __m256i high = _mm256_or_si256(_mm256_shuffle_epi8(tables[2], index), _mm256_shuffle_epi8(tables[3], second));
    // blendv picks by each byte's bit 7: the index added to itself moves bit 6 there.
    return _mm256_blendv_epi8(low, high, _mm256_add_epi8(index, index));
}

/// The outcome at heap position p of the 32 trees whose nodes are at `feature` and `rank`, for the row
/// whose rank tables are `tables` (as rank_of_slot takes them): a byte of all ones where the
/// tree's node sends the row right. Without a ternary op or a byte popcount, ShallowBytes.c's VBMI sets of
/// leaves would cost 4 more instructions a position, so the AVX2 builds read each tree's path from its
/// nodes' outcomes instead (PathLeaf.h, DeepBytes.c). A padded subtree's leaves are all one leaf's value, so
/// its padding nodes' outcomes do not matter here either.
AVX2_TARGET __attribute__((always_inline))
static inline __m256i outcome_avx2(const uint8_t *feature, const uint8_t *rank, int p, const __m256i *tables, const int width) {
    const __m256i index = _mm256_loadu_si256((const __m256i *)(feature + 32 * p));
    return _mm256_cmpgt_epi8(rank_of_slot(index, tables, width), _mm256_loadu_si256((const __m256i *)(rank + 32 * p)));
}
