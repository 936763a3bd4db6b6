// What V2RequestFuzz checks of each answer.
import JSON
import Validation

enum V2Checks {
    /// A 400 with a message, and the body `{"error": message}`.
    static func checkRefusal(_ error: V2Error) {
        precondition(error.status == 400, "a refusal with status \(error.status)")
        precondition(!error.message.isEmpty, "a refusal without a message")
        guard let body = try? JSONValue.parse(error.body), let object = body.objectValue, object.keys == ["error"],
              object["error"]?.stringValue == error.message else {
            fatalError("a refusal body that is not {\"error\": message}: \(String(decoding: error.body, as: UTF8.self))")
        }
    }

    static func checkAccepted(_ request: V2InferenceRequest, signature: V2ModelSignature) {
        let matrix = request.matrix
        precondition(matrix.featureCount == signature.featureCount, "a matrix with another feature count")
        precondition(matrix.values.count == matrix.rowCount * matrix.featureCount, "a matrix of the wrong size")
        for value in matrix.values where !value.isFinite {
            precondition(value.isNaN && signature.acceptsMissing, "an accepted value \(value) the model cannot take")
        }
        var seen: Set<String> = []
        for output in request.outputs {
            precondition(signature.outputNames.contains(output.name), "an unknown output accepted: \(output.name)")
            precondition(seen.insert(output.name).inserted, "an output accepted twice: \(output.name)")
        }
    }

    /// The accepted matrix, sent again as FP64 in JSON `data` and as binary data, reads back the same.
    static func checkOtherFraming(_ request: V2InferenceRequest, reader: V2RequestReader) {
        let matrix = request.matrix
        let name = reader.signature.inputName
        let shape = "[\(matrix.rowCount), \(matrix.featureCount)]"
        var data: [UInt8] = []
        JSONWriter.append(.array(matrix.values.map { $0.isNaN ? .null : .number(.float($0)) }), to: &data)
        let json = Array(#"{"inputs": [{"name": "\#(name)", "datatype": "FP64", "shape": \#(shape), "data": "#.utf8) + data + Array("}]}".utf8)
        expectSame(matrix, reader.read(json, inferenceHeaderContentLength: nil), framing: "JSON data")

        let head = Array(#"{"inputs": [{"name": "\#(name)", "datatype": "FP64", "shape": \#(shape), "parameters": {"binary_data_size": \#(matrix.values.count * 8)}}]}"#.utf8)
        let binary = matrix.values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        expectSame(matrix, reader.read(head + binary, inferenceHeaderContentLength: String(head.count)), framing: "binary data")
    }

    /// The fast path's answer is the general path's: the same id, outputs and matrix bits, or the same error.
    static func checkSame(_ answer: Result<V2InferenceRequest, V2Error>, _ general: Result<V2InferenceRequest, V2Error>) {
        switch (answer, general) {
        case (.success(let a), .success(let b)):
            precondition(a.id == b.id && a.outputs == b.outputs, "the fast path's id or outputs differ: \(a) against \(b)")
            precondition(a.matrix.rowCount == b.matrix.rowCount && a.matrix.featureCount == b.matrix.featureCount
                         && a.matrix.values.map(\.bitPattern) == b.matrix.values.map(\.bitPattern),
                         "the fast path's matrix differs: \(a.matrix) against \(b.matrix)")
        case (.failure(let a), .failure(let b)):
            precondition(a == b, "the errors differ: \(a) against \(b)")
        default:
            fatalError("the fast path answers \(answer), the general path \(general)")
        }
    }

    /// A value's bits, every NaN as one (JSON has no NaN payloads: a missing value is `null`).
    private static func bits(_ value: Double) -> UInt64 {
        value.isNaN ? Double.nan.bitPattern : value.bitPattern
    }

    private static func expectSame(_ matrix: FeatureMatrix, _ answer: Result<V2InferenceRequest, V2Error>, framing: String) {
        guard case .success(let again) = answer, again.matrix.rowCount == matrix.rowCount,
              again.matrix.values.map(bits) == matrix.values.map(bits) else {
            fatalError("the accepted matrix sent again as \(framing) reads otherwise: \(answer)")
        }
    }
}
