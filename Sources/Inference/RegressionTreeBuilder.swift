/// Grows one regression tree the way scikit-learn 1.1's `DepthFirstTreeBuilder` + `BestSplitter` +
/// `FriedmanMSE` do for GradientBoostingRegressor (max_features = all, min_samples_leaf = 1, unit weights).
///
/// The features never change between boosting stages, only the targets (residuals), so each feature's
/// sample order is sorted once; a split stably partitions every feature's order, which keeps each
/// node's samples sorted by every feature without sorting again.
struct RegressionTreeBuilder {
    let sampleCount: Int
    let featureCount: Int
    let maxDepth: Int
    /// Feature-major float32 features: `columns[f * sampleCount + i]`, as scikit-learn fits on float32.
    private let columns: [Float]
    /// Feature-major sample indices, each feature's sorted ascending (ties by index).
    private let presorted: [Int32]
    /// Working copy of `presorted`; a node owns the range start..<end of every feature's part.
    private var order: [Int32]
    private var goesLeft: [Bool]
    private var scratch: [Int32]

    /// Values closer than this are one candidate position (scikit-learn's FEATURE_THRESHOLD).
    private static let featureThreshold = 1e-7

    init(rowMajorFeatures rows: [Float], sampleCount: Int, featureCount: Int, maxDepth: Int) {
        precondition(rows.count == sampleCount * featureCount)
        self.sampleCount = sampleCount
        self.featureCount = featureCount
        self.maxDepth = maxDepth
        var columns = [Float](repeating: 0, count: rows.count)
        var presorted = [Int32](repeating: 0, count: rows.count)
        for f in 0..<featureCount {
            for i in 0..<sampleCount { columns[f * sampleCount + i] = rows[i * featureCount + f] }
            let sorted = (0..<sampleCount).sorted {
                (columns[f * sampleCount + $0], $0) < (columns[f * sampleCount + $1], $1)
            }
            for (p, i) in sorted.enumerated() { presorted[f * sampleCount + p] = Int32(i) }
        }
        self.columns = columns
        self.presorted = presorted
        self.order = presorted
        self.goesLeft = [Bool](repeating: false, count: sampleCount)
        self.scratch = [Int32](repeating: 0, count: sampleCount)
    }

    private struct Split {
        var feature = -1
        var position = 0
        var threshold = 0.0
        var proxy = -Double.infinity
    }

    private struct PendingNode {
        var start: Int
        var end: Int
        var depth: Int
        var parent: Int
        var isLeft: Bool
        var impurity: Double?
    }

    /// Fits a tree to `targets` and writes each sample's leaf value into `fitted`.
    mutating func fit(targets: [Double], fitted: inout [Double]) -> DecisionTree {
        precondition(targets.count == sampleCount && fitted.count == sampleCount)
        order = presorted
        var tree = DecisionTree(childrenLeft: [], childrenRight: [], feature: [], threshold: [], value: [])
        var stack = [PendingNode(start: 0, end: sampleCount, depth: 0, parent: -1, isLeft: false, impurity: nil)]
        while let pending = stack.popLast() {
            let (sum, squares) = sums(targets, pending.start, pending.end)
            let n = Double(pending.end - pending.start)
            let mean = sum / n
            let impurity = pending.impurity ?? (squares / n - mean * mean)
            var split = Split()
            let mustBeLeaf = pending.depth >= maxDepth || pending.end - pending.start < 2 || impurity <= Double.ulpOfOne
            if !mustBeLeaf { split = bestSplit(targets, pending.start, pending.end, total: sum) }

            let node = tree.value.count
            if pending.parent >= 0 {
                if pending.isLeft { tree.childrenLeft[pending.parent] = node } else { tree.childrenRight[pending.parent] = node }
            }
            tree.value.append(mean)
            tree.missingGoesLeft.append(false)
            if split.feature < 0 {
                tree.childrenLeft.append(DecisionTree.leafChild)
                tree.childrenRight.append(DecisionTree.leafChild)
                tree.feature.append(DecisionTree.undefined)
                tree.threshold.append(Double(DecisionTree.undefined))
                for p in pending.start..<pending.end { fitted[Int(order[p])] = mean }
                continue
            }
            tree.childrenLeft.append(DecisionTree.leafChild)
            tree.childrenRight.append(DecisionTree.leafChild)
            tree.feature.append(split.feature)
            tree.threshold.append(split.threshold)
            let (leftImpurity, rightImpurity) = partition(targets, pending.start, pending.end, split, total: (sum, squares))
            // Right is pushed first so the left subtree is numbered first, as scikit-learn numbers nodes.
            stack.append(PendingNode(start: split.position, end: pending.end, depth: pending.depth + 1,
                                     parent: node, isLeft: false, impurity: rightImpurity))
            stack.append(PendingNode(start: pending.start, end: split.position, depth: pending.depth + 1,
                                     parent: node, isLeft: true, impurity: leftImpurity))
        }
        return tree
    }

    private func sums(_ y: [Double], _ start: Int, _ end: Int) -> (Double, Double) {
        var sum = 0.0, squares = 0.0
        for p in start..<end {
            let v = y[Int(order[p])]
            sum += v
            squares += v * v
        }
        return (sum, squares)
    }

    /// The first feature (in index order) and position with the largest friedman_mse proxy
    /// n_r·n_l·(mean_l − mean_r)², computed as scikit-learn does: (n_r·sum_l − n_l·sum_r)² / (n_l·n_r).
    private func bestSplit(_ y: [Double], _ start: Int, _ end: Int, total: Double) -> Split {
        var best = Split()
        let count = end - start
        for f in 0..<featureCount {
            let base = f * sampleCount
            @inline(__always) func x(_ p: Int) -> Double { Double(columns[base + Int(order[base + p])]) }
            if x(end - 1) <= x(start) + Self.featureThreshold { continue }  // constant in this node
            var sumLeft = 0.0
            var added = start
            var p = start
            while p < end {
                while p + 1 < end && x(p + 1) <= x(p) + Self.featureThreshold { p += 1 }
                p += 1
                guard p < end else { break }
                while added < p {
                    sumLeft += y[Int(order[base + added])]
                    added += 1
                }
                let nLeft = Double(p - start), nRight = Double(count - (p - start))
                let diff = nRight * sumLeft - nLeft * (total - sumLeft)
                let proxy = diff * diff / (nLeft * nRight)
                if proxy > best.proxy {
                    // Halves first so the sum cannot overflow; the result must stay below the upper value.
                    var threshold = x(p - 1) / 2 + x(p) / 2
                    if threshold == x(p) || threshold.isInfinite { threshold = x(p - 1) }
                    best = Split(feature: f, position: p, threshold: threshold, proxy: proxy)
                }
            }
        }
        return best
    }

    /// Reorders every feature's range so the left child's samples come first, each side still sorted;
    /// returns the children's impurities as scikit-learn's `children_impurity` computes them.
    private mutating func partition(_ y: [Double], _ start: Int, _ end: Int, _ split: Split,
                                   total: (sum: Double, squares: Double)) -> (Double, Double) {
        let splitBase = split.feature * sampleCount
        for p in start..<end { goesLeft[Int(order[splitBase + p])] = p < split.position }
        var sumLeft = 0.0, squaresLeft = 0.0
        for p in start..<split.position {
            let v = y[Int(order[splitBase + p])]
            sumLeft += v
            squaresLeft += v * v
        }
        for f in 0..<featureCount where f != split.feature {
            let base = f * sampleCount
            var left = start, right = 0
            for p in start..<end {
                let sample = order[base + p]
                if goesLeft[Int(sample)] {
                    order[base + left] = sample
                    left += 1
                } else {
                    scratch[right] = sample
                    right += 1
                }
            }
            for q in 0..<right { order[base + left + q] = scratch[q] }
        }
        let nLeft = Double(split.position - start), nRight = Double(end - split.position)
        let meanLeft = sumLeft / nLeft, meanRight = (total.sum - sumLeft) / nRight
        return (squaresLeft / nLeft - meanLeft * meanLeft,
                (total.squares - squaresLeft) / nRight - meanRight * meanRight)
    }
}
