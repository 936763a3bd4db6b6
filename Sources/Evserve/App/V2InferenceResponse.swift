import JSON
import Validation

/// The 200 answer to a v2 inference request: the protocol's inference response object, and — for
/// outputs asked for as binary — their bytes after the JSON (little-endian, row-major), announced by
/// each output's `binary_data_size` and the response's `Inference-Header-Content-Length`.
///
/// Written straight into the body's bytes, in one allocation sized up front: no value tree, no
/// array per output.
enum V2InferenceResponse {
    static let binaryContentType = "application/octet-stream"
    static let headerLengthName = "Inference-Header-Content-Length"
    /// The longest element JSON writes for an FP64 number (`-2.2250738585072014e-308`), and its comma.
    private static let longestNumber = 25

    /// `request`'s response: its outputs at `rows` of `prediction` (the batch's, see `V2BatchPrediction`).
    static func encode(_ request: V2InferenceRequest, rows: V2BatchPrediction.Rows, of prediction: V2BatchPrediction,
                       parts: V2ResponseParts) -> HTTPResponse {
        // Three passes over the outputs (sizes, JSON, binary data), as plain loops: a closure for them
        // captured `parts` by copy, retaining and releasing its arrays on every response.
        var jsonCapacity = parts.opening.count + 16 + (request.id.map { 12 + 6 * $0.utf8.count } ?? 0)
        var binaryCount = 0
        var anyBinary = false
        for wanted in request.outputs {
            let values = prediction.values(V2Output(signatureName: wanted.name), at: rows)
            jsonCapacity += 96
            if wanted.binary {
                anyBinary = true
                binaryCount += binarySize(values, parts)
            } else {
                jsonCapacity += values.count * (values.isLabels ? parts.longestLabelJSON + 1 : longestNumber)
            }
        }
        var body: [UInt8] = []
        body.reserveCapacity(jsonCapacity + binaryCount)
        body.append(contentsOf: parts.opening)
        if let id = request.id {
            body.append(contentsOf: #","id":"#.utf8)
            JSONWriter.appendString(id, to: &body)
        }
        body.append(contentsOf: #","outputs":["#.utf8)
        for (k, wanted) in request.outputs.enumerated() {
            if k > 0 { body.append(UInt8(ascii: ",")) }
            let output = V2Output(signatureName: wanted.name)
            appendTensor(output, prediction.values(output, at: rows), binary: wanted.binary, parts: parts, to: &body)
        }
        body.append(contentsOf: "]}".utf8)
        guard anyBinary else { return .json(body) }

        // The binary data, after the JSON, in output order.
        let jsonCount = body.count
        for wanted in request.outputs where wanted.binary {
            appendBinary(prediction.values(V2Output(signatureName: wanted.name), at: rows), parts, to: &body)
        }
        var response = HTTPResponse(status: 200, contentType: binaryContentType, body: body)
        response.extraHeaders = [(headerLengthName, String(jsonCount))]
        return response
    }

    private static func appendTensor(_ output: V2Output, _ values: V2OutputValues, binary: Bool,
                                     parts: V2ResponseParts, to json: inout [UInt8]) {
        json.append(contentsOf: parts.tensorOpening(output, labels: values.isLabels))
        json.append(contentsOf: String(values.rows).utf8)  // a small String: inline, no allocation
        if let columns = values.columns {
            json.append(UInt8(ascii: ","))
            json.append(contentsOf: String(columns).utf8)
        }
        json.append(UInt8(ascii: "]"))
        if binary {
            json.append(contentsOf: #","parameters":{"binary_data_size":"#.utf8)
            json.append(contentsOf: String(binarySize(values, parts)).utf8)
            json.append(UInt8(ascii: "}"))
        } else {
            json.append(contentsOf: #","data":["#.utf8)
            appendJSON(values, parts, to: &json)
            json.append(UInt8(ascii: "]"))
        }
        json.append(UInt8(ascii: "}"))
    }

    /// The elements as JSON: numbers as Python's repr (the shortest text that reads back as the
    /// same double), labels as `parts` wrote them.
    private static func appendJSON(_ values: V2OutputValues, _ parts: V2ResponseParts, to json: inout [UInt8]) {
        var first = true
        switch values.elements {
        case .numbers(let numbers):
            for number in numbers {
                if !first { json.append(UInt8(ascii: ",")) }
                first = false
                JSONWriter.appendFloat(number, to: &json)
            }
        case .labels(let labels):
            for label in labels {
                if !first { json.append(UInt8(ascii: ",")) }
                first = false
                json.append(contentsOf: parts.labelJSON[label])
            }
        }
    }

    /// How many bytes `appendBinary` writes for `values`.
    private static func binarySize(_ values: V2OutputValues, _ parts: V2ResponseParts) -> Int {
        switch values.elements {
        case .numbers(let numbers): numbers.count * MemoryLayout<UInt64>.size
        case .labels(let labels): labels.reduce(0) { $0 + parts.labelBinary[$1].count }
        }
    }

    /// The elements as binary tensor data: FP64 little-endian, row-major, unpadded; labels as `parts`
    /// wrote them.
    private static func appendBinary(_ values: V2OutputValues, _ parts: V2ResponseParts, to out: inout [UInt8]) {
        switch values.elements {
        case .numbers(let numbers):
            for value in numbers { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .labels(let labels):
            for label in labels { out.append(contentsOf: parts.labelBinary[label]) }
        }
    }
}
