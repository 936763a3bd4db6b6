import Glibc

/// The arithmetic after the trees: raw scores to values, probabilities and label indices, each
/// written as scikit-learn (numpy, scipy) computes it, so that results match bit for bit where the
/// same libm function is called. `exp` is glibc's, which scipy's `expit` also calls; numpy's own
/// `np.exp` (softmax, the log link) uses SIMD kernels that differ from glibc's in the last bit on
/// some inputs, so those outputs can differ by about an ulp (see docs/model-format.md).
extension TreeEnsemble.Link {
    /// A regressor's prediction from its one raw score.
    @inline(__always)
    func value(_ raw: Double) -> Double {
        self == .exp ? Glibc.exp(raw) : raw
    }

    /// Writes a classifier's `classCount` probabilities from its `outputCount` raw scores.
    func probabilities(_ raw: UnsafePointer<Double>, outputCount: Int, sumOrder: TreeEnsemble.SumOrder,
                       into p: UnsafeMutablePointer<Double>) {
        switch self {
        case .expit, .expitOfTwice:
            // scipy.special.expit(x) = 1 / (1 + exp(−x)); the class-0 probability is 1 − p.
            let x = self == .expit ? raw[0] : 2 * raw[0]
            let positive = 1 / (1 + Glibc.exp(-x))
            p[0] = 1 - positive
            p[1] = positive
        case .softmax:
            let largest = Self.maximum(raw, outputCount)
            for k in 0..<outputCount { p[k] = Glibc.exp(raw[k] - largest) }
            let sum = Self.sum(UnsafePointer(p), outputCount, sumOrder)
            for k in 0..<outputCount { p[k] /= sum }
        case .softmaxLogSumExp:
            // scipy.special.logsumexp: log(Σ exp(a − max)) + max (max of 0 when it is not finite).
            var largest = Self.maximum(raw, outputCount)
            if !largest.isFinite { largest = 0 }
            for k in 0..<outputCount { p[k] = Glibc.exp(raw[k] - largest) }
            let logSum = Glibc.log(Self.sum(UnsafePointer(p), outputCount, sumOrder)) + largest
            for k in 0..<outputCount {
                // numpy.nan_to_num: NaN → 0, ±inf → the largest finite magnitude.
                let q = Glibc.exp(raw[k] - logSum)
                p[k] = q.isNaN ? 0 : q == .infinity ? .greatestFiniteMagnitude : q
            }
        case .probabilities, .identity, .exp:
            for k in 0..<outputCount { p[k] = raw[k] }
        case .logistic32, .softmax32:
            TreeEnsemble.probabilities32(self, raw, outputCount: outputCount, into: p)
        case .exp32, .argmax, .expitEach, .log1pExp:
            // Not classifier links (readers never pair them with classes): the raw scores as they are.
            for k in 0..<outputCount { p[k] = raw[k] }
        }
    }

    @inline(__always)
    static func maximum(_ x: UnsafePointer<Double>, _ count: Int) -> Double {
        var largest = x[0]
        // numpy's max propagates NaN; raw scores of finite trees are never NaN.
        for k in 1..<max(count, 1) where x[k] > largest { largest = x[k] }
        return largest
    }

    /// numpy's sum of one row: in order for a column-major array; pairwise for a row-major one
    /// (below 8 values in order from 0, else 8 running sums combined as a tree, then the rest in
    /// order; halves summed apart above 128 values).
    static func sum(_ x: UnsafePointer<Double>, _ count: Int, _ order: TreeEnsemble.SumOrder) -> Double {
        if order == .sequential {
            var total = x[0]
            for k in 1..<max(count, 1) { total += x[k] }
            return total
        }
        return pairwiseSum(x, count)
    }

    static func pairwiseSum(_ x: UnsafePointer<Double>, _ count: Int) -> Double {
        if count < 8 {
            var total = 0.0
            for k in 0..<count { total += x[k] }
            return total
        }
        if count <= 128 {
            var r = (0..<8).map { x[$0] }
            var i = 8
            while i + 8 <= count {
                for j in 0..<8 { r[j] += x[i + j] }
                i += 8
            }
            var total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < count {
                total += x[i]
                i += 1
            }
            return total
        }
        var half = count / 2
        half -= half % 8
        return pairwiseSum(x, half) + pairwiseSum(x + half, count - half)
    }
}

extension TreeEnsemble.Decision {
    /// The label index from a row's raw scores and probabilities.
    @inline(__always)
    func classIndex(raw: UnsafePointer<Double>, outputCount: Int, probabilities: UnsafePointer<Double>, classCount: Int) -> Int {
        switch self {
        case .argmaxProbability: return Self.firstLargest(probabilities, classCount)
        case .argmaxRaw: return Self.firstLargest(raw, outputCount)
        case .rawAtLeastZero: return raw[0] >= 0 ? 1 : 0
        case .rawAboveZero: return raw[0] > 0 ? 1 : 0
        }
    }

    /// numpy's argmax: the first index of the largest value.
    @inline(__always)
    static func firstLargest(_ x: UnsafePointer<Double>, _ count: Int) -> Int {
        var best = 0
        for k in 1..<max(count, 1) where x[k] > x[best] { best = k }
        return best
    }
}
