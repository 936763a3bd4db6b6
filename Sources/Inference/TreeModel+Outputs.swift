extension TreeModel {
    /// How many numbers `predict` returns per row (1, or the class count for a gradient-boosting
    /// library's multiclass `Booster`, whose `predict` returns a row of probabilities).
    public var valuesPerRow: Int { ensemble.valuesPerRow }

    /// `predict` for links beyond scikit-learn's regressors: raw scores, then each row's
    /// `valuesPerRow` outputs as the library's `Booster.predict` computes them.
    func predictLibraryOutputs(_ rows: UnsafeBufferPointer<Double>, rowCount: Int, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(out.count >= rowCount * valuesPerRow, "buffers too small")
        let k = ensemble.outputCount, width = valuesPerRow
        withUnsafeTemporaryAllocation(of: Double.self, capacity: rowCount * k) { raw in
            predictor.raw(rows.baseAddress!, rowCount: rowCount, into: raw.baseAddress!)
            for r in 0..<rowCount {
                ensemble.values(raw: UnsafePointer(raw.baseAddress! + r * k), into: out.baseAddress! + r * width)
            }
        }
    }
}

extension TreeModel.Estimator {
    /// The estimators evserve.trees files may name (the libraries' own files name themselves).
    static let scikitLearn: [Self] = allCases.filter { ![.xgboostBooster, .xgbRegressor, .xgbClassifier, .lightgbmBooster].contains($0) }
}
