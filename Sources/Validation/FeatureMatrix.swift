/// The validated rows of a /predict body, row-major, ready for `TreeModel.predict`.
public struct FeatureMatrix: Sendable, Equatable {
    /// `rowCount * featureCount` values, row after row.
    public var values: [Double]
    public var rowCount: Int
    public var featureCount: Int

    public init(values: [Double], rowCount: Int, featureCount: Int) {
        precondition(values.count == rowCount * featureCount, "values must hold rowCount * featureCount numbers")
        self.values = values
        self.rowCount = rowCount
        self.featureCount = featureCount
    }

    /// Row `index` as an array (for tests and diagnostics; prediction reads `values` directly).
    public func row(_ index: Int) -> [Double] {
        Array(values[index * featureCount..<(index + 1) * featureCount])
    }
}
