// A depth-4 tree's leaf from its nodes' outcomes on byte lanes, shared by ShallowBytes.c's AVX2 build (32
// trees, one row) and RowLanes.c (32 rows, one tree). Each includes it after immintrin.h.

/// The leaf (0–15, left to right) of each byte lane as an expression, from OUTCOME(p): the outcome at heap
/// position p (0–14), a byte of all ones where the lane goes right, zeros where it goes left. The outcome
/// at each level is picked from the level's nodes by the levels above (1, then 3, then 7 byte blends), and
/// the leaf is the four outcomes' bits. A macro, so that each caller's OUTCOME (a lookup and compare, or a
/// load) is written into the expression and the compiler schedules the whole of it.
#define PATH_PICK(ifLeft, ifRight, right) _mm256_blendv_epi8(ifLeft, ifRight, right)
#define LEAF_FROM_OUTCOMES(OUTCOME) ({ \
    const __m256i first_ = OUTCOME(0); \
    const __m256i second_ = PATH_PICK(OUTCOME(1), OUTCOME(2), first_); \
    const __m256i third_ = PATH_PICK(PATH_PICK(OUTCOME(3), OUTCOME(4), second_), PATH_PICK(OUTCOME(5), OUTCOME(6), second_), first_); \
    const __m256i fourth_ = PATH_PICK(PATH_PICK(PATH_PICK(OUTCOME(7), OUTCOME(8), third_), PATH_PICK(OUTCOME(9), OUTCOME(10), third_), second_), \
                                      PATH_PICK(PATH_PICK(OUTCOME(11), OUTCOME(12), third_), PATH_PICK(OUTCOME(13), OUTCOME(14), third_), second_), first_); \
    _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(first_, _mm256_set1_epi8(8)), _mm256_and_si256(second_, _mm256_set1_epi8(4))), \
                    _mm256_or_si256(_mm256_and_si256(third_, _mm256_set1_epi8(2)), _mm256_and_si256(fourth_, _mm256_set1_epi8(1)))); })
