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
/// `outputs` (a constant at each call, 0 or 1): the layout adds to f->outputCount = K raw scores, tree t to
/// row r's acc[K r + t mod K] (the trees of each raw score taken in turns), so one ranking serves them all
/// and the K chains of a row interleave; without it the sums stay in registers.
AVX2_TARGET __attribute__((always_inline))
static inline void add_rows_in(const ctk_byte_trees *f, leaves_fn leaves, const int leafShift, const int32_t *keys, double *acc,
                               const int rows, const int single, const int outputs) {
    const int64_t blocks = (f->treeCount + 31) / 32;
    const int64_t K = outputs ? f->outputCount : 1;
    // Per row: its rank tables (rank_of_slot's operands), of 32 slots, or 64 when there are more.
    uint8_t rank[2][64] __attribute__((aligned(32)));
    memset(rank, 0x80, sizeof rank);
    ranks_by_search(f, keys, keys + (rows > 1) * f->featureCount, rank);
    __m256i lanes[2][4];
    for (int r = 0; r < rows; r++) rank_tables(rank[r], lanes[r], f->slotCount > 32 ? 2 : 1);
    double sum[2][ctk_max_byte_outputs];
    float sum32[2][ctk_max_byte_outputs];
    for (int r = 0; r < rows; r++) {
        for (int64_t k = 0; k < K; k++) {
            sum[r][k] = acc[K * r + k];
            sum32[r][k] = (float)acc[K * r + k];
        }
    }
    uint8_t leaf[2][2][32] __attribute__((aligned(32)));
    for (int r = 0; r < rows; r++) leaves(f, 0, lanes[r], leaf[0][r]);
    int64_t k = 0;  // the raw score of the next tree (always 0 without `outputs`)
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
                    sum32[r][k] += f->values32[tree + leaf[cur][r][j]];
                } else {
                    sum[r][k] += f->values[tree + leaf[cur][r][j]];
                }
            }
            if (outputs) k = k + 1 == K ? 0 : k + 1;
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int64_t k = 0; k < K; k++) acc[K * r + k] = single ? (double)sum32[r][k] : sum[r][k];
    }
}

#define ROWS_FUNCTION(rows, single, outputs) \
    AVX2_TARGET static void add_rows_##rows##_##single##_##outputs(const ctk_byte_trees *f, leaves_fn leaves, int leafShift, \
                                                                   const int32_t *keys, double *acc) { \
        add_rows_in(f, leaves, leafShift, keys, acc, rows, single, outputs); \
    }
ROWS_FUNCTION(1, 0, 0) ROWS_FUNCTION(2, 0, 0) ROWS_FUNCTION(1, 1, 0) ROWS_FUNCTION(2, 1, 0)
ROWS_FUNCTION(1, 0, 1) ROWS_FUNCTION(2, 0, 1) ROWS_FUNCTION(1, 1, 1) ROWS_FUNCTION(2, 1, 1)
#undef ROWS_FUNCTION

/// Every row's sums, two rows at a time, then a lone one.
AVX2_TARGET static void add_byte_rows(const ctk_byte_trees *f, leaves_fn leaves, int leafShift, const int32_t *keys, int64_t rowCount,
                                      double *acc) {
    typedef void (*rows_fn)(const ctk_byte_trees *, leaves_fn, int, const int32_t *, double *);
    // [several raw scores][float32 sums][1, 2 rows]
    static const rows_fn add[2][2][2] = {{{add_rows_1_0_0, add_rows_2_0_0}, {add_rows_1_1_0, add_rows_2_1_0}},
                                         {{add_rows_1_0_1, add_rows_2_0_1}, {add_rows_1_1_1, add_rows_2_1_1}}};
    const rows_fn *pick = add[f->outputCount > 1][f->values32 != 0];
    const int64_t K = f->outputCount;
    int64_t r = 0;
    for (; r + 1 < rowCount; r += 2) pick[1](f, leaves, leafShift, keys + r * f->featureCount, acc + K * r);
    if (r < rowCount) pick[0](f, leaves, leafShift, keys + r * f->featureCount, acc + K * r);
}
