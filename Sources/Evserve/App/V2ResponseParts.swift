import Inference
import JSON
import Validation

/// What a model version's v2 inference responses write the same way every time, encoded once when it
/// loads: the opening `{"model_name":...,"model_version":...`, and a classifier's labels (the
/// `predict` elements) each as JSON and as binary tensor data, so a response copies bytes instead of
/// formatting labels.
struct V2ResponseParts: Sendable {
    /// `{"model_name":"<name>","model_version":"<version>"`: the response up to its optional `id`.
    let opening: [UInt8]
    /// A classifier's `predict` datatype (INT64, FP64, BOOL or BYTES); FP64 for a regressor.
    let labelDatatype: V2Datatype
    /// Each label (`classes_` order) as a JSON element, and as binary tensor data.
    let labelJSON: [[UInt8]]
    let labelBinary: [[UInt8]]
    /// The longest of `labelJSON`: what a label may add to the response.
    let longestLabelJSON: Int
    /// Each output's tensor up to its shape's first number, `{"name":"<output>","datatype":"<type>","shape":[`,
    /// at `tensorOpeningIndex`: the output's name and datatype as bytes written once, not a name
    /// escaped and a datatype's String copied out for every output of every response.
    private let tensorOpenings: [[UInt8]]

    init(name: String, version: Int, classes: [JSONValue]?) {
        var opening = Array(#"{"model_name":"#.utf8)
        JSONWriter.appendString(name, to: &opening)
        opening.append(contentsOf: #","model_version":"#.utf8)
        JSONWriter.appendString(String(version), to: &opening)
        self.opening = opening
        let classes = classes ?? []
        labelDatatype = classes.isEmpty ? .fp64 : V2Labels.datatype(classes)
        (labelJSON, labelBinary) = V2Labels.encoded(classes, as: labelDatatype)
        longestLabelJSON = labelJSON.map(\.count).max() ?? 0
        var tensorOpenings = [[UInt8]](repeating: [], count: 2 * V2Output.allCases.count)
        for output in V2Output.allCases {
            for labels in [false, true] {
                var json = Array(#"{"name":"#.utf8)
                JSONWriter.appendString(output.rawValue, to: &json)
                json.append(contentsOf: #","datatype":""#.utf8)
                json.append(contentsOf: (labels ? labelDatatype : .fp64).rawValue.utf8)
                json.append(contentsOf: #"","shape":["#.utf8)
                tensorOpenings[Self.tensorOpeningIndex(output, labels: labels)] = json
            }
        }
        self.tensorOpenings = tensorOpenings
    }

    /// `output`'s tensor opening, its datatype the labels' when its elements are labels, else FP64.
    func tensorOpening(_ output: V2Output, labels: Bool) -> [UInt8] {
        tensorOpenings[Self.tensorOpeningIndex(output, labels: labels)]
    }

    private static func tensorOpeningIndex(_ output: V2Output, labels: Bool) -> Int {
        2 * output.index + (labels ? 1 : 0)
    }
}

/// A classifier's labels (scikit-learn's `classes_`) as a tensor: integers as INT64, other numbers
/// as FP64, booleans as BOOL, strings (and anything mixed) as BYTES.
enum V2Labels {
    static func datatype(_ classes: [JSONValue]) -> V2Datatype {
        if classes.allSatisfy({ $0.intValue != nil }) { return .int64 }
        if classes.allSatisfy({ $0.doubleValue != nil }) { return .fp64 }
        if classes.allSatisfy({ $0.boolValue != nil }) { return .bool }
        return .bytes
    }

    /// Each label as a JSON element (numbers as Python's repr, BYTES as JSON strings) and as binary
    /// tensor data (little-endian; BOOL one byte; BYTES a 4-byte little-endian length, then the bytes).
    static func encoded(_ classes: [JSONValue], as datatype: V2Datatype) -> (json: [[UInt8]], binary: [[UInt8]]) {
        func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
            withUnsafeBytes(of: value.littleEndian) { Array($0) }
        }
        switch datatype {
        case .int64:
            let labels = classes.map { Int64($0.intValue!) }
            return (labels.map { Array(String($0).utf8) }, labels.map(littleEndian))
        case .fp64:
            let labels = classes.map { $0.doubleValue! }
            return (labels.map { label in
                var json: [UInt8] = []
                JSONWriter.appendFloat(label, to: &json)
                return json
            }, labels.map { littleEndian($0.bitPattern) })
        case .bool:
            let labels = classes.map { $0.boolValue! }
            return (labels.map { Array(($0 ? "true" : "false").utf8) }, labels.map { [$0 ? 1 : 0] })
        default:
            let labels = classes.map { Array(($0.stringValue ?? String(decoding: JSONWriter.bytes($0), as: UTF8.self)).utf8) }
            return (labels.map { label in
                var json: [UInt8] = []
                JSONWriter.appendString(String(decoding: label, as: UTF8.self), to: &json)
                return json
            }, labels.map { littleEndian(UInt32($0.count)) + $0 })
        }
    }
}
