// The SIMD walks (Walks.c) as the drivers in InterleavedWalk.c call them. Private to CTreeKernels:
// Swift sees only CTreeKernels.h.
#ifndef CTREEKERNELS_WALKS_H
#define CTREEKERNELS_WALKS_H

#include "CTreeKernels.h"

enum { LANES = ctk_lanes };

/// The lanes one walk takes with instruction set `isa`: 8 AVX-512 vectors, or with AVX2 alone 64 (walked
/// 8 at a time in general registers: walk_scalar).
static inline int64_t lanes_of(int isa) { return isa == 2 ? LANES : LANES / 2; }

/// The lanes of a narrow walk (ctk_walker's held 7): as AVX2's; 128 measured slower on Zen 4 (its last rounds
/// walk more idle lanes: DecisionTreeRegressor deep 27.3 -> 29.2 ns a row, ExtraTreesClassifier on
/// digits 1700 -> 2020), 32 too (ExtraTreesClassifier on digits 1700 -> 1770), 48 the same.
enum { NARROW_LANES = LANES / 2 };

/// The walk of one round of lanes: `node` (in: each lane's root or the idle leaf; out: its leaf),
/// `row` (each lane's offset of its row in `keys`), `rounds` (levels to descend, or 0: until no lane
/// moves). Each instruction set has one walk per count of vectors in use, so that a call with few walks
/// (the last trees of a forest) runs only the vectors holding them.
/// `keys` is the input keys, or for the walks reading doubles (ctk_walker's `held` 4 and 5) the rows'
/// values themselves, as `const double *`.
typedef void (*walk_fn)(const ctk_forest *f, const void *keys, int32_t *node, const int32_t *row, int rounds);

/// Lanes still moving at which a walk of more vectors packs them into two (finish_few): 16 and 48
/// measured slower (ExtraTreesClassifier on digits 4096 rows: 1015 and 1013 ns a row against 982),
/// and so did packing again at each halving (1032).
enum { FEW_LANES = 32 };

/// Walks' last few moving lanes set aside (defer_few), to be walked together later (ctk_walk_stragglers):
/// lane k is at node[k] with its row's keys at row[k], and its leaf goes to leaf[out[k]].
typedef struct {
    int32_t node[LANES], row[LANES], out[LANES];
    int count;
} stragglers;

/// The walk of `lanes` lanes with instruction set `isa` and key source `held` (Walks.c says which).
walk_fn ctk_walker(int isa, int64_t lanes, int held);

#if defined(__x86_64__)
/// A full walk (128 lanes, AVX-512) of one tree whose upper levels are held in registers, whose last few
/// moving lanes go to `pending` instead of being walked now; `doubles` as the walks reading values.
__attribute__((target("avx512f")))
void ctk_walk_upper_deferring(const ctk_forest *f, const void *keys, int32_t *node, const int32_t *row,
                              stragglers *pending, int32_t outBase, int doubles);

/// The stragglers' walks, together (up to 128 lanes), their leaves written where each one's goes:
/// its node, or its row of rowValues where the forest has them.
__attribute__((target("avx512f")))
void ctk_walk_stragglers(const ctk_forest *f, const void *keys, int doubles, stragglers *s, int isa, int32_t *leaf);
#endif

#endif
