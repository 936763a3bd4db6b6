// The row loop of the byte-lane kernels that find each block's leaves with a function of their own,
// DeepBytes.c (complete trees 5–8 deep) and LeafSets.c (up to 32 leaves): each row's rank bytes, then
// block after block its 32 trees' leaves and the adding of their values. Each includes it after
// ByteRanks.h.

/// Block `block`'s 32 leaves (one byte a tree) for the row whose rank tables (rank_tables) are `ranks`, stored
/// at `out` (32 bytes, aligned).
typedef void (*leaves_fn)(const ctk_byte_trees *f, int64_t block, const __m256i *ranks, uint8_t *out);

/// Adds `rows` (1 or 2) consecutive rows' leaf values in tree order to their sums (`acc[0 ..< rows]`, the
/// rows' keys from `keys`): in double, or, when `single`, in float from values32 (each addition rounded to
/// float, as XGBoost adds; the sums come and go as floats widened to double). Tree t's values start at
/// 2^leafShift · t. The next block's leaves are found before this block's values are added, so the chain
/// of additions (one a tree, in order) overlaps them; rows share the leaf function, one row after the
/// other, and two rows' chains of additions interleave.
AVX2_TARGET __attribute__((always_inline))
static inline void add_rows_in(const ctk_byte_trees *f, leaves_fn leaves, const int leafShift, const int32_t *keys, double *acc,
                               const int rows, const int single) {
    const int64_t blocks = (f->treeCount + 31) / 32;
    // Per row: its rank tables (rank_of_slot's operands), of 32 slots, or 64 when there are more.
    uint8_t rank[2][64] __attribute__((aligned(32)));
    memset(rank, 0x80, sizeof rank);
    ranks_by_search(f, keys, keys + (rows > 1) * f->featureCount, rank);
    __m256i lanes[2][4];
    for (int r = 0; r < rows; r++) rank_tables(rank[r], lanes[r], f->slotCount > 32 ? 2 : 1);
    double sum[2];
    float sum32[2];
    for (int r = 0; r < rows; r++) {
        sum[r] = acc[r];
        sum32[r] = (float)acc[r];
    }
    uint8_t leaf[2][2][32] __attribute__((aligned(32)));
    for (int r = 0; r < rows; r++) leaves(f, 0, lanes[r], leaf[0][r]);
    for (int64_t block = 0; block < blocks; block++) {
        const int cur = block & 1;
        if (block + 1 < blocks) {
            for (int r = 0; r < rows; r++) leaves(f, block + 1, lanes[r], leaf[cur ^ 1][r]);
        }
        const int64_t n = f->treeCount - block * 32 < 32 ? f->treeCount - block * 32 : 32;
        for (int64_t j = 0; j < n; j++) {
            const int64_t tree = (block * 32 + j) << leafShift;
            for (int r = 0; r < rows; r++) {
                if (single) {
                    sum32[r] += f->values32[tree + leaf[cur][r][j]];
                } else {
                    sum[r] += f->values[tree + leaf[cur][r][j]];
                }
            }
        }
    }
    for (int r = 0; r < rows; r++) acc[r] = single ? (double)sum32[r] : sum[r];
}

#define ROWS_FUNCTION(rows, single) \
    AVX2_TARGET static void add_rows_##rows##_##single(const ctk_byte_trees *f, leaves_fn leaves, int leafShift, const int32_t *keys, \
                                                       double *acc) { \
        add_rows_in(f, leaves, leafShift, keys, acc, rows, single); \
    }
ROWS_FUNCTION(1, 0) ROWS_FUNCTION(2, 0) ROWS_FUNCTION(1, 1) ROWS_FUNCTION(2, 1)
#undef ROWS_FUNCTION

/// Every row's sums, two rows at a time, then a lone one.
AVX2_TARGET static void add_byte_rows(const ctk_byte_trees *f, leaves_fn leaves, int leafShift, const int32_t *keys, int64_t rowCount,
                                      double *acc) {
    const int single = f->values32 != 0;
    int64_t r = 0;
    for (; r + 1 < rowCount; r += 2) {
        (single ? add_rows_2_1 : add_rows_2_0)(f, leaves, leafShift, keys + r * f->featureCount, acc + r);
    }
    if (r < rowCount) (single ? add_rows_1_1 : add_rows_1_0)(f, leaves, leafShift, keys + r * f->featureCount, acc + r);
}
