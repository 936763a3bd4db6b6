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
        json.append(contentsOf: tensor.shape.map(String.init).joined(separator: ",").utf8)
        json.append(UInt8(ascii: "]"))
        switch tensor.values {
        case .fp64(let values):
            if binary {
                json.append(contentsOf: #","parameters":{"binary_data_size":"#.utf8)
                json.append(contentsOf: String(values.count * 8).utf8)
                json.append(UInt8(ascii: "}"))
                binaryData.reserveCapacity(binaryData.count + values.count * 8)
                for value in values {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { binaryData.append(contentsOf: $0) }
                }
            } else {
                json.append(contentsOf: #","data":["#.utf8)
                for (k, value) in values.enumerated() {
                    if k > 0 { json.append(UInt8(ascii: ",")) }
                    // Python's repr: the shortest text that reads back as the same double.
                    JSONWriter.appendFloat(value, to: &json)
                }
                json.append(UInt8(ascii: "]"))
            }
        }
        json.append(UInt8(ascii: "}"))
    }
}
