/// A v2 inference request, checked: the rows to predict and what to answer with.
public struct V2InferenceRequest: Sendable, Equatable {
    /// One output to return, and whether as binary tensor data after the JSON (else JSON `data`).
    public struct Output: Sendable, Equatable {
        public var name: String
        public var binary: Bool

        public init(name: String, binary: Bool) {
            self.name = name
            self.binary = binary
        }
    }

    /// The request's `id`, echoed in the response.
    public var id: String?
    public var matrix: FeatureMatrix
    /// In the order requested, or every output of the model when the request names none.
    public var outputs: [Output]

    public init(id: String?, matrix: FeatureMatrix, outputs: [Output]) {
        self.id = id
        self.matrix = matrix
        self.outputs = outputs
    }
}
