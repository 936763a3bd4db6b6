// Tree walks in SIMD registers for evserve's InterleavedForest, with the instruction set chosen at
// run time (AVX-512 or AVX2 on x86-64; none elsewhere, where the Swift walk predicts instead).
// The caller owns every pointer; a kernel reads and writes them during the call only.
#ifndef CTREEKERNELS_H
#define CTREEKERNELS_H

#include <stdint.h>

/// The featureBits that InterleavedForest.pack gives every forest it can (at most 256 features, and
/// every left child less than 2^23 nodes ahead), so that walk_scalar's masks and shifts are constants.
enum { CTK_COMMON_FEATURE_BITS = 8 };

/// A forest in InterleavedForest's node layout, borrowed for one call.
/// `packed`: 2 int32 per node (one 64-bit gather reads both): the word
/// `feature | missingLeft << featureBits | (left − node) << (featureBits + 1)` (missingLeft: the split
/// sends missing values left and its threshold key is below INT32_MAX), and the threshold key. The right child is always left + 1, and a leaf
/// is (0, INT32_MAX): it points to itself, and no key is above INT32_MAX, so a leaf keeps its lanes.
/// `idle`: a leaf node that lanes without work point to. `depths`: each tree's depth (the walks of
/// trees at most `ctk_fixed_rounds_up_to` deep take exactly that many rounds, without checking whether
/// a lane still moves).
typedef struct {
    const int32_t *packed;
    int32_t featureBits;
    const int32_t *roots;
    const int32_t *depths;
    const int32_t *treeOutput;
    const double *values;
    int64_t treeCount;
    int64_t featureCount;
    int64_t outputCount;
    int64_t valueWidth;
    int32_t idle;
    int32_t routesMissing;
    /// 1: sums are float32, as XGBoost adds (each acc value holds a float; every addition rounds to float).
    int32_t float32Sums;
    /// NULL, or per node the row of `rowValues` (valueWidth values a row) that holds its values: leaves
    /// with equal values share a row (a fully grown classifier's leaves are mostly pure, so a forest of
    /// thousands of leaves has about as many rows as classes). The forest classifiers' additions read
    /// these few rows, which stay in the L1 cache, instead of `values` (megabytes).
    const int32_t *valueRow;
    const double *rowValues;
    /// The doubles from one row of rowValues to the next (valueWidth, or more where rows are padded to
    /// start cache lines: then valueWidth == outputCount, float64 sums).
    int64_t rowStride;
    /// 1: with AVX-512 (isa 2), gather 256 bits at a time (ctk_prefers_narrow_gathers says where): the
    /// 512-bit walks that route missing values split each node and key gather in two (those that do not
    /// measured better with 512-bit ones), and the many-rows walks of deep trees (those
    /// walked until no lane moves) take the narrow walk, 64 lanes on 256-bit vectors (AVX2's walk,
    /// compiled for AVX-512's 32 registers), instead of 128 on 512-bit ones.
    int32_t narrowGathers;
} ctk_forest;

/// The best instruction set of this CPU and build: 2 = AVX-512, 1 = AVX2, 0 = neither (then the
/// kernels below must not be called). EVSERVE_SIMD=avx2 or =none in the environment lowers it
/// (benchmarks compare). Decided once.
int ctk_best_isa(void);

/// Whether this CPU's walks do better with 256-bit gathers than with 512-bit ones: AMD's Zen 4
/// (family 0x19 with AVX-512), where a 512-bit gather split in two took a deep random forest regressor
/// at 1 row from 3566 to 1716 ns a row and one of depth 8 at 4096 rows from 626 to 565, and the narrow
/// deep walks took the deep one at 4096 rows from 4400 to 3480, a deep lone tree from 34.2 to 27.4.
/// (Why is not measured: the VM has no counters. An L1-resident loop of gathers costs the same per
/// element at either width there; in the walks, 512-bit gathers were up to twice as slow where the walk
/// routes missing values, and one 512-bit gather for the narrow walk's eight records doubled its time,
/// while walks without missing routing measured 2-5 % faster with them.) Only Zen 4 was measured;
/// other CPUs keep 512-bit gathers. EVSERVE_GATHERS=narrow or =wide in the
/// environment overrides it. Decided once.
int ctk_prefers_narrow_gathers(void);

/// Writes the key of each of the `count` values (CompiledForest.inputKey): the value rounded to float
/// (to nearest), −0 as +0, its bits turned into an int32 ordered as the floats are; INT32_MAX for NaN.
/// Any CPU (AVX-512 or AVX2 when there, by ctk_best_isa()). Returns 1 when any value is NaN, else 0: a
/// walk of keys without INT32_MAX needs no missing-value routing (ctk_forest.routesMissing may be 0).
int ctk_input_keys(const double *values, int64_t count, int32_t *keys);

/// RankEncoder's input encoding: each value of `rowCount` rows (`featureCount` a row, row-major)
/// becomes the count of its feature's thresholds below it (thresholds[featureStart[f] ..<
/// featureStart[f + 1]], ascending), as a double; NaN stays NaN. Any CPU (AVX-512 when there).
void ctk_rank_encode(const double *rows, int64_t rowCount, int64_t featureCount, const double *thresholds,
                     const int64_t *featureStart, double *out);

/// Lanes the kernels walk at once: at most 128 with AVX-512, 64 with AVX2 (a call with fewer walks
/// runs only the vectors it needs).
enum { ctk_lanes = 128 };

/// Trees up to this deep are walked a fixed number of rounds; deeper ones until no lane moves (a
/// deep forest's walks mostly end long before its deepest leaf).
enum { ctk_fixed_rounds_up_to = 12 };

/// Adds every tree's leaf values, tree by tree in order, to `acc` (rowCount × outputCount, row-major)
/// with instruction set `isa` (1...ctk_best_isa()), for `rowCount` rows of input keys (`keys`, featureCount per row): each tree for up to ctk_lanes rows at a time.
void ctk_add_rows_of_each_tree(const ctk_forest *forest, const int32_t *keys, int64_t rowCount, double *acc, int isa);

/// For a forest of one tree (treeCount 1) with AVX-512 (ctk_best_isa() == 2): writes each row's raw
/// scores, `base` (outputCount values) plus its leaf's values, to `acc` (rowCount × outputCount,
/// row-major; its starting values are not read), from the rows' values (`rows`: rowCount × featureCount
/// doubles, row-major) instead of their keys: the walk makes the key of each value it reads, as
/// ctk_input_keys would, so that the values off the tree's paths are never converted (a deep tree on
/// narrow walks, ctk_prefers_narrow_gathers: each walk's rows' keys, made just before it).
void ctk_add_rows_of_lone_tree(const ctk_forest *forest, const double *rows, int64_t rowCount, const double *base, double *acc);

/// The same sums, each row's trees walked up to ctk_lanes at a time (for few rows).
void ctk_add_trees_of_each_row(const ctk_forest *forest, const int32_t *keys, int64_t rowCount, double *acc, int isa);

/// Complete trees of depth ≤ 4 (CompiledForest's complete layout), position-major for
/// `ctk_shallow_add`: node at heap position p of tree t at [p * treeStride + t] (treeStride: the tree
/// count rounded up to 16; padding trees' nodes are 0); tree t's leaves, left to right, at
/// values[t << depth ...]. keptWhenRight[p]: the leaves (bits) not in p's left subtree.
typedef struct {
    const int32_t *feature;
    const int32_t *threshold;
    const double *values;
    int32_t keptWhenRight[15];
    int32_t depth;
    int64_t treeCount;
    int64_t treeStride;
    int64_t featureCount;
} ctk_shallow;

/// Adds each tree's leaf value, in tree order, to acc[r] for `rowCount` rows of keys (at most 32
/// features per row). Needs ctk_best_isa() == 2 (AVX-512). `leaf`: scratch for 2 × treeStride Int32.
void ctk_shallow_add(const ctk_shallow *forest, const int32_t *keys, int64_t rowCount, double *acc, int32_t *leaf);

/// Complete trees on byte lanes, 32 trees a block, at depth D = `depth`: 4 for `ctk_shallow_bytes_add`
/// (ShallowBytes.c, trees of depth ≤ 4 padded to 4) and `ctk_row_lanes_add`, 5–8 for `ctk_deep_bytes_add`
/// (DeepBytes.c). With P = 2^D − 1 heap positions, the node at position p of tree 32b + j is at byte
/// [(Pb + p) · 32 + j] of nodeFeature and nodeRank; padding trees' bytes are 0.
/// A row's inputs become rank bytes in up to 64 slots (32 at depth 4): slot s holds the rank of input slotFeature[s]
/// among the keys of s (how many are below it), s < slotCount. keys: groupCount groups of 16, each group of one slot
/// (groupFeature[g]), a slot's groups consecutive, holding up to 255 distinct threshold keys ascending,
/// padded with INT32_MAX. At depth 4 a slot is a feature (slotFeature[s] = s, every feature at most
/// 255 keys; row lanes read groupFeature as features); deeper, a feature's keys may fill several slots,
/// 255 keys each, in order.
/// splitters[16 s + i]: the last key of slot s's group i (INT32_MAX past its groups), and slotGroup[s]: its
/// first group (slotGroup[slotCount] = groupCount), for the deeper kernels' two-step search of a rank.
/// slotMissingLeft (deeper kernels; null: none): 1 for the slots of splits that send a missing input
/// (INT32_MAX) left, where it ranks 0 (below every key; elsewhere it ranks above them all).
/// A node's nodeFeature byte is its slot s < 64, with bit 7 set when s ≥ 16 and bit 6 when s ≥ 32
/// (s | (s & 16) << 3 | (s & 32) << 1, which ByteRanks.h's rank_of_slot reads); its
/// nodeRank byte the index of its threshold among its slot's keys, xor 0x80: the row goes right iff its
/// rank in that slot is above the index.
/// values[2^D t + leaf]: tree t's leaves at depth D, left to right; float32 sums (XGBoost's) take them
/// from values32 instead when it is not null, and the kernels then add each in float (acc holding floats
/// widened to double).
typedef struct {
    const uint8_t *nodeFeature;
    const uint8_t *nodeRank;
    const double *values;
    const float *values32;
    const int32_t *keys;
    const uint8_t *groupFeature;
    const int32_t *slotFeature;
    const int32_t *splitters;
    const int32_t *slotGroup;
    const uint8_t *slotMissingLeft;
    int64_t groupCount;
    int64_t slotCount;
    int64_t treeCount;
    int64_t featureCount;
    int64_t depth;
    /// Leaf sets only (`ctk_leaf_sets_add`, depth 0): P = positions node slots a tree (at most 31), and
    /// nodeClear[((P b + p) · 4 + k) · 32 + j]: byte k of the leaves (bit l: leaf l, left to right) of the left
    /// subtree of tree 32b + j's node at slot p, which a row sent right there cannot reach (0 for padding
    /// slots): four byte planes a slot, so that they clear the sets on the outcomes' own byte lanes.
    const uint8_t *nodeClear;
    int64_t positions;
    /// The raw scores the trees add to (1 ... ctk_max_byte_outputs; depth 4 and row lanes: 1): tree t adds to
    /// raw score t mod outputCount, so a model's raw scores, their trees taken in turns, share one layout and
    /// rank a row once (DeepBytes.c and LeafSets.c). acc is then row-major, outputCount a row.
    int64_t outputCount;
} ctk_byte_trees;

/// The most raw scores one byte-tree layout adds to (ctk_byte_trees.outputCount).
enum { ctk_max_byte_outputs = 32 };

/// The best build of `ctk_shallow_bytes_add` this CPU runs: 2 AVX-512 VBMI and BITALG (with ctk_best_isa()
/// == 2), 1 AVX2 (ctk_best_isa() >= 1), 0 none.
int ctk_byte_lanes(void);

/// Adds each tree's leaf value, in tree order, to acc[r] for `rowCount` rows of input keys (at most 32
/// features per row), with build `instructionSet` (1...ctk_byte_lanes(); aborts otherwise, and where
/// forest->outputCount is not 1).
void ctk_shallow_bytes_add(const ctk_byte_trees *forest, const int32_t *keys, int64_t rowCount, double *acc, int instructionSet);

/// The same sums for trees of depth 5–8 (forest->depth, on AVX2: aborts where ctk_byte_lanes() is 0),
/// each tree's leaf picked from its 2^D − 1 nodes' outcomes for one row at a time; with several raw
/// scores (forest->outputCount K), tree t's value to acc[K r + t mod K].
void ctk_deep_bytes_add(const ctk_byte_trees *forest, const int32_t *keys, int64_t rowCount, double *acc);

/// The same sums for trees of up to 32 leaves, of any depth (LeafSets.c, AVX2: aborts where ctk_byte_lanes()
/// is 0): forest->depth 0, its nodes in P = forest->positions slots a tree (any order; nodeFeature and
/// nodeRank as above with P for 2^D − 1), values[32 t + leaf] for its leaves left to right; several raw
/// scores as ctk_deep_bytes_add's.
void ctk_leaf_sets_add(const ctk_byte_trees *forest, const int32_t *keys, int64_t rowCount, double *acc);

/// The same trees for `ctk_row_lanes_add` (RowLanes.c: 32 rows on byte lanes, a tree at a time). Tree t's
/// node at heap position p is nodes[16 t + p] (the 16th unused): 32 times the forest's index of the node's
/// threshold key (16 g + i for key i of group g), the byte offset of its decisions. Tree t's leaf values
/// as planes: plane k holds byte k of each leaf's value (k < 8 for doubles, < 4 for float32 sums, when
/// ctk_byte_trees' values32 is not null), leaf l (at depth 4, left to right) at byte l; 4 int32 a
/// plane, from tables[32 t] (tables[16 t] for float32).
typedef struct {
    const uint32_t *nodes;
    const int32_t *tables;
} ctk_row_lanes;

/// 1 if `ctk_row_lanes_add` runs on this CPU (AVX2), else 0.
int ctk_row_lanes_available(void);

/// `ctk_shallow_bytes_add`'s sums (at most 32 features a row), on row lanes: rows in blocks of 32 (the
/// last block padded), each tree's 15 nodes decided for a block's 32 rows at once. `scratch`: a block's
/// decisions, 32 bytes a key: forest->groupCount × 512 bytes, 32-byte aligned. Aborts without AVX2.
void ctk_row_lanes_add(const ctk_byte_trees *forest, const ctk_row_lanes *lanes, const int32_t *keys, int64_t rowCount, double *acc,
                       void *scratch);

/// Trees up to 8 deep for `ctk_deep_lanes_add` (DeepLanes.c: blocks of up to 512 rows on bit lanes, a
/// tree at a time), borrowed for one call. Tree t (depth depths[t], 0–8) is complete at its depth: its 2^D − 1 nodes
/// in heap order in `slots`, then the next tree's; its 2^D leaf values, left to right, in `values` (float64
/// sums) or, when `values32` is not null, there (float32 sums, XGBoost's: each addition on floats), then
/// the next tree's. A node's slot is the byte offset (64 × line) of its decision line: a block's rows
/// going right at its test, one bit a row.
/// Feature f's lines are featureLines[f] ..< featureLines[f + 1]: up to thermometerEnd[f] its thermometer,
/// a line a distinct threshold key of f (lineKey, ascending) holding the rows whose key is above it; then
/// the lines of splits sending missing values (key INT32_MAX) left, each its thermometer line lineSource[l]
/// without the rows missing f. A feature of n ≤ 32767 keys is searched in searchLevels[f] = L steps of 16
/// keys (16^L ≥ n): from searchKeys[searchStart[f]], L − 1 levels of splitters, coarsest first, then its
/// keys ascending, padded with INT32_MAX (P, n + 32 keys); level k (k = L − 1 … 1) holds (n >> 4k) + 32
/// keys, P[16^k · i + 16^k − 1] (the last key of each group of 16^k; INT32_MAX past P's end). Others
/// (searchLevels 0; their searchStart is not read) are decided by compares.
typedef struct {
    const uint8_t *depths;
    const uint32_t *slots;
    const double *values;
    const float *values32;
    const int32_t *featureLines;
    const int32_t *thermometerEnd;
    const int32_t *lineKey;
    const int32_t *lineSource;
    const int32_t *searchStart;
    const int32_t *searchLevels;
    const int32_t *searchKeys;
    int64_t treeCount;
    int64_t featureCount;
    int64_t lineCount;
} ctk_deep_lanes;

/// 1 if `ctk_deep_lanes_add` runs on this CPU (AVX2), else 0.
int ctk_deep_lanes_available(void);

/// The bytes of scratch a block needs (`ctk_deep_lanes_decide`, `ctk_deep_lanes_add`): its decisions (64 a
/// line), keys, ranks, sums and leaves.
int64_t ctk_deep_lanes_scratch(const ctk_deep_lanes *forest);

/// The rows in a block.
enum { ctk_deep_lanes_block = 512 };

/// The decisions of features firstFeature ..< firstFeature + featureCount for a block of `rowCount` rows
/// (1...ctk_deep_lanes_block) of input keys (forest->featureCount a row) into `scratch`
/// (ctk_deep_lanes_scratch bytes, 32-byte aligned), for `ctk_deep_lanes_add` once every feature's are
/// made (in one call or several). Aborts without AVX2.
void ctk_deep_lanes_decide(const ctk_deep_lanes *forest, const int32_t *keys, int64_t rowCount, int64_t firstFeature, int64_t featureCount,
                           void *scratch);

/// Adds each tree's leaf value, in tree order, to acc[r] (a float widened to double for float32 sums) for
/// the block of `rowCount` rows decided into `scratch`. `forest` may be a slice of the decided forest's
/// trees (its depths, slots and values pointers advanced to a tree, its treeCount fewer; the rest the
/// same), so that a block's trees can be added in several calls. Aborts without AVX2.
void ctk_deep_lanes_add(const ctk_deep_lanes *forest, int64_t rowCount, double *acc, void *scratch);

/// A forest of trees with at most 64 leaves each, for QuickScorer's batch walk (`ctk_quickscorer_add`),
/// borrowed for one call. Thresholds: per feature f, its distinct keys ascending at
/// tableKeys[featureStart[f] ..< featureStart[f] + featureKeyCount[f]], cut into segments of at most
/// 255 keys: segment s is tableKeys[segmentStart[s] ..< + segmentKeyCount[s]], feature f's segments
/// are featureSegmentStart[f] ..< featureSegmentStart[f + 1].
/// Leaves are numbered left to right, in groups of 8 (a group's leaves are one byte's bits). A split
/// is one record per group its left subtree's leaves fall in (4 int32): segment × 128, (rank of the
/// threshold in its segment, 0...254, plus 1) ^ 0x80 (a signed byte bound, in all 4 bytes), 128 × the
/// feature whose missing values go left at this split (featureCount when they go right), the group's
/// bits of those leaves (in all 4 bytes). (× 128: the byte offsets of the kernel's rows at its
/// smallest stride, so that a record's loads need no multiply.)
/// Tree t's groups are treeGroupStart[t] ..< treeGroupStart[t + 1] (at most 8); group j's records end
/// at groupNodeEnd[j] (the first starts at groupNodeEnd[treeGroupStart[t] − 1], or 0). Tree t's
/// leaf values are at values[treeValueStart[t] + leaf] (values32 for float32 sums).
typedef struct {
    const int32_t *tableKeys;
    const int32_t *featureStart;
    const int32_t *featureKeyCount;
    const int32_t *featureSegmentStart;
    const int32_t *segmentStart;
    const int32_t *segmentKeyCount;
    const int32_t *nodes;
    const int32_t *treeGroupStart;
    const int32_t *groupNodeEnd;
    const int32_t *treeLeafCount;
    const int32_t *treeValueStart;
    const int32_t *treeOutput;
    const double *values;
    const float *values32;
    /// Per feature f with 17...127 keys, its keys as an implicit search tree of L levels (L the bit
    /// length of its key count), 128 int32 from searchStart[f]: searchKeys[searchStart[f] + 2^(s−1) + k]
    /// is the sorted key at (2k + 1) · 2^(L−s) − 1 (INT32_MAX past the last), for level s = 1...L and
    /// k < 2^(s−1).
    const int32_t *searchKeys;
    const int32_t *searchStart;
    int64_t segmentCount;
    int64_t treeCount;
    int64_t featureCount;
    int64_t outputCount;
    int32_t float32Sums;
    int32_t routesMissing;
} ctk_quickscorer;

/// Scratch bytes `ctk_quickscorer_add` needs for `rowCount` rows (64-byte aligned): a pass's arrays,
/// smaller for passes of fewer rows.
int64_t ctk_quickscorer_scratch_bytes(const ctk_quickscorer *forest, int64_t rowCount);

/// Adds each tree's leaf value, tree by tree in order, to acc (rowCount × outputCount, row-major;
/// with float32Sums each value of acc is a float, and so is every sum) for `rowCount` rows of input
/// keys (`keys`, featureCount per row; INT32_MAX is a missing value). Needs ctk_best_isa() == 2.
void ctk_quickscorer_add(const ctk_quickscorer *forest, const int32_t *keys, int64_t rowCount, double *acc, void *scratch);

#endif
