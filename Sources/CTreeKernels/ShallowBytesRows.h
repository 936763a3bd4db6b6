// The row loop of ShallowBytes.c's kernel, once per instruction set: ShallowBytes.c includes this file
// with ROWS_TARGET (the build's target attribute), ROWS_LEAVES (its function for a block's 32 leaves)
// and ROWS_NAME(name) (the build's suffix) defined. No include guard: it is meant to be read twice.

/// Adds `rows` (1, 2 or 4) consecutive rows' leaf values in tree order to their sums (`acc[0 ..< rows]`,
/// the rows' keys from `keys`, featureCount a row): in double, or, when `single`, in float from
/// values32: each addition rounded to float, as XGBoost adds (the sums come and go as floats widened to
/// double). Both are constants at each call, so each caller gets its own loop. The rows' chains of
/// additions are independent and interleave: more rows, more of each chain's latency hidden.
ROWS_TARGET __attribute__((always_inline))
static inline void ROWS_NAME(add_rows_in)(const ctk_shallow_bytes *f, const int32_t *keys, double *acc, const int rows, const int single) {
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
    for (int r = 0; r < rows; r++) _mm256_store_si256((__m256i *)leaf[0][r], ROWS_LEAVES(f, 0, ranks[r]));
    for (int64_t block = 0; block < blocks; block++) {
        const int cur = block & 1;
        if (block + 1 < blocks) {
            for (int r = 0; r < rows; r++) _mm256_store_si256((__m256i *)leaf[cur ^ 1][r], ROWS_LEAVES(f, block + 1, ranks[r]));
        }
        const int64_t n = f->treeCount - block * 32 < 32 ? f->treeCount - block * 32 : 32;
        if (single) {
            const float *values = f->values32 + block * 32 * 16;
            for (int64_t j = 0; j < n; j++) {
                for (int r = 0; r < rows; r++) sum32[r] += values[16 * j + leaf[cur][r][j]];
            }
        } else {
            const double *values = f->values + block * 32 * 16;
            for (int64_t j = 0; j < n; j++) {
                for (int r = 0; r < rows; r++) sum[r] += values[16 * j + leaf[cur][r][j]];
            }
        }
    }
    for (int r = 0; r < rows; r++) acc[r] = single ? (double)sum32[r] : sum[r];
}

// One function per (rows, single).
#define ROWS_FUNCTION(rows, single) \
    ROWS_TARGET static void ROWS_NAME(add_rows_##rows##_##single)(const ctk_shallow_bytes *f, const int32_t *keys, double *acc) { \
        ROWS_NAME(add_rows_in)(f, keys, acc, rows, single); \
    }
ROWS_FUNCTION(1, 0) ROWS_FUNCTION(2, 0) ROWS_FUNCTION(4, 0)
ROWS_FUNCTION(1, 1) ROWS_FUNCTION(2, 1) ROWS_FUNCTION(4, 1)
#undef ROWS_FUNCTION
