// A depth-4 tree's leaf from its nodes' outcomes on byte lanes, shared by ShallowBytes.c's AVX2 build (32
// trees, one row) and RowLanes.c (32 rows, one tree). Each includes it after immintrin.h.
//
// The outcome at each level is picked from the level's nodes by the levels above (1, then 3, then 7 byte
// blends), and the leaf (0–15, left to right) is the four outcomes' bits. OUTCOME(p) is the outcome at heap
// position p (0–14): a byte of all ones where the lane goes right, zeros where it goes left. Macros, so
// that each caller's OUTCOME (a lookup and compare, or a load) is written into the expression and the
// compiler schedules the whole of it.
//
// The work comes in four stages over a `path_so_far`, so that a caller can spread one tree block's
// leaves between other work (ShallowBytes.c puts them between groups of additions); LEAF_FROM_OUTCOMES
// runs the four at once.

/// The outcomes a path has picked after stage 0 (`first`, `second`), 1 (`third`) and 2 (`low`: the
/// fourth level's outcome if the root sent the lane left).
typedef struct {
    __m256i first, second, third, low;
} path_so_far;

#define PATH_PICK(ifLeft, ifRight, right) _mm256_blendv_epi8(ifLeft, ifRight, right)
#define PATH_STAGE_0(OUTCOME, s) do { \
    (s).first = OUTCOME(0); \
    (s).second = PATH_PICK(OUTCOME(1), OUTCOME(2), (s).first); } while (0)
#define PATH_STAGE_1(OUTCOME, s) \
    ((s).third = PATH_PICK(PATH_PICK(OUTCOME(3), OUTCOME(4), (s).second), PATH_PICK(OUTCOME(5), OUTCOME(6), (s).second), (s).first))
#define PATH_STAGE_2(OUTCOME, s) \
    ((s).low = PATH_PICK(PATH_PICK(OUTCOME(7), OUTCOME(8), (s).third), PATH_PICK(OUTCOME(9), OUTCOME(10), (s).third), (s).second))
/// The leaves, as an expression.
#define PATH_STAGE_3(OUTCOME, s) ({ \
    const __m256i fourth_ = PATH_PICK((s).low, PATH_PICK(PATH_PICK(OUTCOME(11), OUTCOME(12), (s).third), \
                                                         PATH_PICK(OUTCOME(13), OUTCOME(14), (s).third), (s).second), (s).first); \
    _mm256_or_si256(_mm256_or_si256(_mm256_and_si256((s).first, _mm256_set1_epi8(8)), _mm256_and_si256((s).second, _mm256_set1_epi8(4))), \
                    _mm256_or_si256(_mm256_and_si256((s).third, _mm256_set1_epi8(2)), _mm256_and_si256(fourth_, _mm256_set1_epi8(1)))); })

/// The leaves as an expression, all four stages at once.
#define LEAF_FROM_OUTCOMES(OUTCOME) ({ \
    path_so_far path_; \
    PATH_STAGE_0(OUTCOME, path_); \
    PATH_STAGE_1(OUTCOME, path_); \
    PATH_STAGE_2(OUTCOME, path_); \
    PATH_STAGE_3(OUTCOME, path_); })
