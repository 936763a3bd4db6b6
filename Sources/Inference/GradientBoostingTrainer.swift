/// Least-squares gradient boosting as scikit-learn's GradientBoostingRegressor fits it
/// (subsample = 1, no early stopping, init = the mean target).
public struct GradientBoostingTrainer: Sendable {
    public var stageCount = 500
    public var maxDepth = 4
    public var learningRate = 0.01

    public init(stageCount: Int = 500, maxDepth: Int = 4, learningRate: Double = 0.01) {
        self.stageCount = stageCount
        self.maxDepth = maxDepth
        self.learningRate = learningRate
    }

    /// Fits on row-major `features` (cast to Float first, as scikit-learn casts X to float32).
    public func fit(features: [Double], targets: [Double], featureCount: Int, featureNames: [String]? = nil) -> TreeModel {
        let sampleCount = targets.count
        precondition(sampleCount > 0 && features.count == sampleCount * featureCount)
        var builder = RegressionTreeBuilder(rowMajorFeatures: features.map { Float($0) },
                                            sampleCount: sampleCount, featureCount: featureCount, maxDepth: maxDepth)
        let initial = Self.numpyPairwiseSum(targets[...]) / Double(sampleCount)
        var raw = [Double](repeating: initial, count: sampleCount)
        var residuals = [Double](repeating: 0, count: sampleCount)
        var fitted = [Double](repeating: 0, count: sampleCount)
        var trees = [DecisionTree]()
        trees.reserveCapacity(stageCount)
        for _ in 0..<stageCount {
            for i in 0..<sampleCount { residuals[i] = targets[i] - raw[i] }
            trees.append(builder.fit(targets: residuals, fitted: &fitted))
            // scikit-learn adds learning_rate * tree.predict(X); `fitted` is that prediction.
            for i in 0..<sampleCount { raw[i] += learningRate * fitted[i] }
        }
        return TreeModel(estimator: .gradientBoosting, featureCount: featureCount, featureNames: featureNames,
                         initialValue: initial, learningRate: learningRate, trees: trees)
    }

    /// numpy's pairwise summation (8 accumulators, blocks of 128), which scikit-learn's mean init
    /// goes through; summing the same way makes `init` bit-identical to scikit-learn's.
    static func numpyPairwiseSum(_ values: ArraySlice<Double>) -> Double {
        let n = values.count
        let first = values.startIndex
        if n < 8 {
            var sum = 0.0
            for v in values { sum += v }
            return sum
        }
        if n <= 128 {
            var r = [Double](values[first..<(first + 8)])
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += values[first + i + j] }
                i += 8
            }
            var sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                sum += values[first + i]
                i += 1
            }
            return sum
        }
        var half = n / 2
        half -= half % 8
        return numpyPairwiseSum(values[first..<(first + half)]) + numpyPairwiseSum(values[(first + half)...])
    }
}

extension TreeModel {
    /// The model evserve serves by default: GradientBoostingRegressor(n_estimators=500, max_depth=4,
    /// min_samples_split=2, learning_rate=0.01, loss="ls") on the shuffled Boston housing rows.
    public static func trainReference() -> TreeModel {
        GradientBoostingTrainer().fit(features: BostonHousing.trainingFeatures(),
                                      targets: BostonHousing.trainingTargets(),
                                      featureCount: BostonHousing.featureCount,
                                      featureNames: BostonHousing.featureNames)
    }
}
