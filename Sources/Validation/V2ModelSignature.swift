/// What a v2 inference request is checked against: the model's one input (a batch of rows of
/// `featureCount` numbers), the names of the outputs it can produce, and whether a missing value
/// (JSON `null`, or NaN) is something the model handles.
public struct V2ModelSignature: Sendable, Equatable {
    /// MLServer's and KServe's name for a model's first input, so their clients' requests fit as they are.
    public static let defaultInputName = "input-0"

    public var inputName: String
    public var featureCount: Int
    /// In the order the model lists them (metadata, and the response when a request names none).
    public var outputNames: [String]
    public var acceptsMissing: Bool

    public init(inputName: String = defaultInputName, featureCount: Int, outputNames: [String], acceptsMissing: Bool) {
        self.inputName = inputName
        self.featureCount = featureCount
        self.outputNames = outputNames
        self.acceptsMissing = acceptsMissing
    }
}
