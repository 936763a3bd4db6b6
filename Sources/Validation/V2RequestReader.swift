import JSON

/// Turns the body of `POST /v2/models/{name}[/versions/{v}]/infer` into a checked request, or into
/// the 400 the Open Inference Protocol asks for, with a message that says what is wrong.
///
/// The body is a JSON inference request, optionally followed by binary tensor data (Triton's binary
/// tensor data extension): `Inference-Header-Content-Length` then gives the JSON's length, and each
/// input with a `binary_data_size` parameter takes that many bytes from what follows, in input order.
/// The model takes one input, `[rows, featureCount]`, in any numeric type (converted exactly to
/// Double; FP32 values as the FP32 numbers they are), with `data` flat (row-major) or nested.
public struct V2RequestReader: Sendable {
    public let signature: V2ModelSignature
    private let fast: V2FastRequestReader

    public init(signature: V2ModelSignature) {
        self.signature = signature
        self.fast = V2FastRequestReader(signature: signature)
    }

    /// `inferenceHeaderContentLength`: the header's value as sent, nil when absent.
    /// The usual all-JSON request is read by the fast path; anything it refuses, by the general one.
    public func read(_ body: [UInt8], inferenceHeaderContentLength: String?) -> Result<V2InferenceRequest, V2Error> {
        if inferenceHeaderContentLength == nil, let request = fast.read(body) { return .success(request) }
        return readGeneral(body, inferenceHeaderContentLength: inferenceHeaderContentLength)
    }

    /// The general path alone (the fast reader's reference in tests and V2RequestFuzz).
    func readGeneral(_ body: [UInt8], inferenceHeaderContentLength: String?) -> Result<V2InferenceRequest, V2Error> {
        do {
            return .success(try request(body, inferenceHeaderContentLength: inferenceHeaderContentLength))
        } catch {
            return .failure(error)
        }
    }

    /// The fast path alone: nil when the body is not in the shape it reads.
    func readFast(_ body: [UInt8]) -> V2InferenceRequest? {
        fast.read(body)
    }

    private func request(_ body: [UInt8], inferenceHeaderContentLength header: String?) throws(V2Error) -> V2InferenceRequest {
        let jsonLength = try Self.jsonLength(header: header, bodyCount: body.count)
        let root: JSONValue
        do {
            root = try JSONValue.parse(jsonLength == body.count ? body : Array(body[..<jsonLength]))
        } catch {
            throw V2Error("the inference request is not valid JSON: \(error)")
        }
        guard let request = root.objectValue else { throw V2Error("the inference request must be a JSON object") }

        let id: String?
        switch request["id"] {
        case nil: id = nil
        case .string(let value)?: id = value
        default: throw V2Error("'id' must be a string")
        }
        let parameters = try V2Parameters(request["parameters"], of: "the request")
        let binaryOutputs = try parameters.bool("binary_data_output") ?? false

        guard let inputs = request["inputs"]?.arrayValue else {
            throw V2Error("the inference request needs 'inputs', an array with the one input '\(signature.inputName)'")
        }
        guard inputs.count == 1 else {
            throw V2Error("the model takes 1 input, '\(signature.inputName)'; the request has \(inputs.count)")
        }
        var binary = V2BinarySection(body: body, start: jsonLength, hasHeader: header != nil)
        let matrix = try V2InputTensor(signature: signature).read(inputs[0], binary: &binary)
        if binary.remaining > 0 {
            throw V2Error("\(binary.remaining) bytes of binary data follow the JSON that no input's binary_data_size claims")
        }
        let outputs = try requestedOutputs(request["outputs"], binaryByDefault: binaryOutputs)
        return V2InferenceRequest(id: id, matrix: matrix, outputs: outputs)
    }

    /// Where the JSON ends: the whole body, or `Inference-Header-Content-Length` bytes of it.
    private static func jsonLength(header: String?, bodyCount: Int) throws(V2Error) -> Int {
        guard let header else { return bodyCount }
        guard !header.isEmpty, header.utf8.count <= 18, header.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let length = Int(header) else {
            throw V2Error("Inference-Header-Content-Length must be a decimal number of bytes, not '\(header)'")
        }
        guard length > 0 else {
            throw V2Error("Inference-Header-Content-Length 0 (a raw binary request without JSON) is not supported; send the JSON inference request first")
        }
        guard length <= bodyCount else {
            throw V2Error("Inference-Header-Content-Length is \(length) bytes, longer than the \(bodyCount)-byte body")
        }
        return length
    }

    /// The outputs to answer with: as requested (each known, each once), or all of the model's.
    private func requestedOutputs(_ value: JSONValue?, binaryByDefault: Bool) throws(V2Error) -> [V2InferenceRequest.Output] {
        guard let value, !value.isNull else {
            return signature.outputNames.map { .init(name: $0, binary: binaryByDefault) }
        }
        guard let requested = value.arrayValue else { throw V2Error("'outputs' must be an array of {\"name\": ...} objects") }
        var outputs: [V2InferenceRequest.Output] = []
        for entry in requested {
            guard let name = entry["name"]?.stringValue else { throw V2Error("each of 'outputs' needs a 'name' string") }
            guard signature.outputNames.contains(name) else {
                throw V2Error("unknown output '\(name)': the model's outputs are \(signature.outputNames.map { "'\($0)'" }.joined(separator: ", "))")
            }
            guard !outputs.contains(where: { $0.name == name }) else { throw V2Error("output '\(name)' is requested twice") }
            let binary = try V2Parameters(entry["parameters"], of: "output '\(name)'").bool("binary_data") ?? binaryByDefault
            outputs.append(.init(name: name, binary: binary))
        }
        return outputs
    }
}

/// A `parameters` object (request, input or output): the keys evserve acts on, type-checked;
/// other keys are allowed and ignored, as the protocol lets servers define their own.
struct V2Parameters {
    private let object: JSONObject
    private let owner: String

    init(_ value: JSONValue?, of owner: String) throws(V2Error) {
        self.owner = owner
        switch value {
        case nil, .null?: object = JSONObject()
        case .object(let members)?: object = members
        default: throw V2Error("'parameters' of \(owner) must be an object")
        }
    }

    func bool(_ key: String) throws(V2Error) -> Bool? {
        guard let value = object[key] else { return nil }
        guard let flag = value.boolValue else { throw V2Error("parameter '\(key)' of \(owner) must be true or false") }
        return flag
    }

    func nonNegativeInteger(_ key: String) throws(V2Error) -> Int? {
        guard let value = object[key] else { return nil }
        guard let number = value.intValue, number >= 0 else {
            throw V2Error("parameter '\(key)' of \(owner) must be a non-negative integer")
        }
        return number
    }
}

/// The binary tensor data after the JSON, taken by the inputs in order.
struct V2BinarySection {
    let body: [UInt8]
    private(set) var offset: Int
    /// Whether `Inference-Header-Content-Length` was sent (without it there is no binary section).
    let hasHeader: Bool

    init(body: [UInt8], start: Int, hasHeader: Bool) {
        self.body = body
        self.offset = start
        self.hasHeader = hasHeader
    }

    var remaining: Int { body.count - offset }

    /// The next `count` bytes, as a range of `body`.
    mutating func take(_ count: Int, for input: String) throws(V2Error) -> Range<Int> {
        guard hasHeader else {
            throw V2Error("input '\(input)' has binary_data_size, but the request has no Inference-Header-Content-Length header to say where its JSON ends")
        }
        guard count <= remaining else {
            throw V2Error("input '\(input)' has binary_data_size \(count), but only \(remaining) bytes follow the JSON")
        }
        defer { offset += count }
        return offset..<offset + count
    }
}
