import TestSupport
@testable import Inference

/// Random trees for the layout tests: every split on a random feature at a threshold on a 1/64 grid,
/// a random missing-value direction, and random leaf values; the layouts must agree with the walk on them.
enum RandomTree {
    /// A tree of up to `depth` levels and at most `leaves` leaves. The first `fullLevels` levels always
    /// split, deeper nodes with probability `splitChance` (so trees come deep and lopsided);
    /// `width` values per node, each in ±`valueScale`.
    static func make(depth: Int, featureCount: Int, width: Int = 1, leaves maxLeaves: Int = .max,
                     fullLevels: Int, splitChance: Double, valueScale: Double = 1,
                     _ random: inout SeededGenerator) -> DecisionTree {
        var left = [Int](), right = [Int](), feature = [Int](), threshold = [Double](), missing = [Bool]()
        var leaves = 1
        func grow(_ level: Int) -> Int {
            let node = left.count
            left.append(-1); right.append(-1); feature.append(-2); threshold.append(-2); missing.append(false)
            if level < depth && leaves < maxLeaves && (level < fullLevels || Double.random(in: 0..<1, using: &random) < splitChance) {
                leaves += 1
                feature[node] = Int.random(in: 0..<featureCount, using: &random)
                threshold[node] = (Double.random(in: -2...2, using: &random) * 64).rounded() / 64
                missing[node] = Bool.random(using: &random)
                left[node] = grow(level + 1)
                right[node] = grow(level + 1)
            }
            return node
        }
        _ = grow(0)
        let values = (0..<(left.count * width)).map { _ in Double.random(in: -1...1, using: &random) * valueScale }
        return DecisionTree(childrenLeft: left, childrenRight: right, feature: feature, threshold: threshold,
                            value: values, missingGoesLeft: missing, valueWidth: width)
    }
}
