import JSON

/// The 200 body of POST /predict: `{"y":[...]}` with each prediction written as Python's
/// `json.dumps` writes a float (`45.140628195389766`, `45.0`, `1e-05`).
enum PredictResponse {
    static func encode(_ y: some RandomAccessCollection<Double>) -> [UInt8] {
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

    /// A classifier's `{"y":[label, ...]}`: each label is written once, as JSON (a number, string or
    /// boolean, as in `classes_`), and copied per row.
    static func encode(labels: some RandomAccessCollection<Int>, from encoded: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + labels.count * ((encoded.first?.count ?? 1) + 1))
        bytes.append(contentsOf: #"{"y":["#.utf8)
        for (index, label) in labels.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: encoded[label])
        }
        bytes.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "}")])
        return bytes
    }

    /// `predict_proba`'s `{"y":[[p, ...], ...]}`, `columns` values per row.
    static func encode(rows values: some RandomAccessCollection<Double>, columns: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + 26 * values.count)
        bytes.append(contentsOf: #"{"y":["#.utf8)
        for (index, value) in values.enumerated() {
            let column = index % columns
            if column == 0 { bytes.append(contentsOf: index == 0 ? [UInt8(ascii: "[")] : [UInt8(ascii: ","), UInt8(ascii: "[")]) }
            else { bytes.append(UInt8(ascii: ",")) }
            JSONWriter.appendFloat(value, to: &bytes)
            if column == columns - 1 { bytes.append(UInt8(ascii: "]")) }
        }
        bytes.append(contentsOf: [UInt8(ascii: "]"), UInt8(ascii: "}")])
        return bytes
    }
}
