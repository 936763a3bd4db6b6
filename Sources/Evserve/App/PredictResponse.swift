import JSON

/// The 200 body of POST /predict: `{"y":[...]}` with each prediction written as Python's
/// `json.dumps` writes a float (`45.140628195389766`, `45.0`, `1e-05`).
enum PredictResponse {
    static func encode(_ y: [Double]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + 24 * y.count)
        bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "\""), UInt8(ascii: "y"), UInt8(ascii: "\""),
                                  UInt8(ascii: ":"), UInt8(ascii: "[")])
        for (index, value) in y.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            // Tree ensembles only produce finite values; should one not be, stay valid JSON.
            JSONWriter.appendFloat(value, to: &bytes)
        }
        bytes.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "}")])
        return bytes
    }
}
