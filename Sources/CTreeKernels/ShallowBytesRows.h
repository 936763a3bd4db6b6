// The row loop of ShallowBytes.c's kernel, once per instruction set: ShallowBytes.c includes this file
// with ROWS_TARGET (the build's target attribute), ROWS_LEAVES (its function for a block's 32 leaves)
// and ROWS_NAME(name) (the build's suffix) defined. No include guard: it is meant to be read twice.

/// Adds one or two rows' leaf values in tree order to their sums: in double, or, when `single` (a
/// constant at each call, so each caller gets its own loop), in float from values32: each addition
/// rounded to float, as XGBoost adds (the sums come and go as floats widened to double).
ROWS_TARGET __attribute__((always_inline))
static inline void ROWS_NAME(add_rows_in)(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, double *sumFirst,
                                          double *sumSecond, const int single) {
    __m256i ranksA, ranksB;
    ranks_of(f, first, second ? second : first, &ranksA, &ranksB);
    double a = *sumFirst, b = second ? *sumSecond : 0;
    float a32 = (float)a, b32 = (float)b;
    // Block b + 1's leaves are found and stored before block b's values are added: the stores then
    // retire ahead of that block's chain, and the loads that read them never wait for it.
    uint8_t leafA[2][32] __attribute__((aligned(32))), leafB[2][32] __attribute__((aligned(32)));
    const int64_t blocks = (f->treeCount + 31) / 32;
    _mm256_store_si256((__m256i *)leafA[0], ROWS_LEAVES(f, 0, ranksA));
    if (second) _mm256_store_si256((__m256i *)leafB[0], ROWS_LEAVES(f, 0, ranksB));
    for (int64_t block = 0; block < blocks; block++) {
        const int cur = block & 1;
        if (block + 1 < blocks) {
            _mm256_store_si256((__m256i *)leafA[cur ^ 1], ROWS_LEAVES(f, block + 1, ranksA));
            if (second) _mm256_store_si256((__m256i *)leafB[cur ^ 1], ROWS_LEAVES(f, block + 1, ranksB));
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

ROWS_TARGET
static void ROWS_NAME(add_rows)(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, double *sumFirst, double *sumSecond) {
    ROWS_NAME(add_rows_in)(f, first, second, sumFirst, sumSecond, 0);
}

ROWS_TARGET
static void ROWS_NAME(add_rows_float)(const ctk_shallow_bytes *f, const int32_t *first, const int32_t *second, double *sumFirst,
                                      double *sumSecond) {
    ROWS_NAME(add_rows_in)(f, first, second, sumFirst, sumSecond, 1);
}
