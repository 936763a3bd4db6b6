import JSON
import Validation

/// The 200 answer to a v2 inference request: the protocol's inference response object, and — for
/// outputs asked for as binary — their bytes after the JSON (little-endian, row-major), announced by
/// each output's `binary_data_size` and the response's `Inference-Header-Content-Length`.
enum V2InferenceResponse {
    static let binaryContentType = "application/octet-stream"
    static let headerLengthName = "Inference-Header-Content-Length"

    static func encode(modelName: String, modelVersion: String, id: String?,
                       outputs: [(tensor: V2OutputTensor, binary: Bool)]) -> HTTPResponse {
        var json: [UInt8] = []
        json.reserveCapacity(128 + outputs.count * 64)
        var binary: [UInt8] = []
        json.append(contentsOf: #"{"model_name":"#.utf8)
        JSONWriter.appendString(modelName, to: &json)
        json.append(contentsOf: #","model_version":"#.utf8)
        JSONWriter.appendString(modelVersion, to: &json)
        if let id {
            json.append(contentsOf: #","id":"#.utf8)
            JSONWriter.appendString(id, to: &json)
        }
        json.append(contentsOf: #","outputs":["#.utf8)
        for (index, output) in outputs.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendTensor(output.tensor, binary: output.binary, to: &json, binaryData: &binary)
        }
        json.append(contentsOf: "]}".utf8)

        guard outputs.contains(where: \.binary) else { return .json(json) }
        var response = HTTPResponse(status: 200, contentType: binaryContentType, body: json + binary)
        response.extraHeaders = [(headerLengthName, String(json.count))]
        return response
    }

    private static func appendTensor(_ tensor: V2OutputTensor, binary: Bool, to json: inout [UInt8],
                                     binaryData: inout [UInt8]) {
        json.append(contentsOf: #"{"name":"#.utf8)
        JSONWriter.appendString(tensor.name, to: &json)
        json.append(contentsOf: #","datatype":""#.utf8)
        json.append(contentsOf: tensor.datatype.rawValue.utf8)
        json.append(contentsOf: #"","shape":["#.utf8)
        for (k, size) in tensor.shape.enumerated() {
            if k > 0 { json.append(UInt8(ascii: ",")) }
            json.append(contentsOf: String(size).utf8)  // a small String: inline, no allocation
        }
        json.append(UInt8(ascii: "]"))
        if binary {
            let start = binaryData.count
            appendBinary(tensor.values, to: &binaryData)
            json.append(contentsOf: #","parameters":{"binary_data_size":"#.utf8)
            json.append(contentsOf: String(binaryData.count - start).utf8)
            json.append(UInt8(ascii: "}"))
        } else {
            json.append(contentsOf: #","data":["#.utf8)
            appendJSON(tensor.values, to: &json)
            json.append(UInt8(ascii: "]"))
        }
        json.append(UInt8(ascii: "}"))
    }

    /// The elements as JSON: numbers as Python's repr (the shortest text that reads back as the
    /// same double), labels as JSON integers, booleans or strings.
    private static func appendJSON(_ values: V2OutputTensor.Values, to json: inout [UInt8]) {
        func each<T>(_ elements: [T], _ write: (T, inout [UInt8]) -> Void) {
            for (k, element) in elements.enumerated() {
                if k > 0 { json.append(UInt8(ascii: ",")) }
                write(element, &json)
            }
        }
        switch values {
        case .fp64(let elements): each(elements) { JSONWriter.appendFloat($0, to: &$1) }
        case .int64(let elements): each(elements) { $1.append(contentsOf: String($0).utf8) }
        case .bool(let elements): each(elements) { $1.append(contentsOf: ($0 ? "true" : "false").utf8) }
        case .bytes(let elements): each(elements) { JSONWriter.appendString(String(decoding: $0, as: UTF8.self), to: &$1) }
        }
    }

    /// The elements as binary tensor data: little-endian, row-major, unpadded; BOOL one byte;
    /// BYTES each a 4-byte little-endian length, then the bytes.
    private static func appendBinary(_ values: V2OutputTensor.Values, to out: inout [UInt8]) {
        switch values {
        case .fp64(let elements):
            for value in elements { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .int64(let elements):
            for value in elements { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        case .bool(let elements):
            out.append(contentsOf: elements.map { $0 ? 1 : 0 })
        case .bytes(let elements):
            for element in elements {
                withUnsafeBytes(of: UInt32(element.count).littleEndian) { out.append(contentsOf: $0) }
                out.append(contentsOf: element)
            }
        }
    }
}
