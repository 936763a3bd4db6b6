/// Writes a `TreeModel` as a model file (docs/model-format.md): compact JSON on one line.
///
/// Numbers are Swift's `Double.description`, the shortest decimal that reads back to the same
/// Double, so a written file loads into a model that predicts bit for bit the same. All numbers of
/// a model are finite (the reader and the trainer ensure it), so the output is always valid JSON.
struct ModelFileWriter {
    private var out = [UInt8]()

    static func write(_ model: TreeModel) -> [UInt8] {
        var writer = ModelFileWriter()
        writer.out.reserveCapacity(64 + model.trees.reduce(0) { $0 + $1.nodeCount * 48 })
        writer.raw("{\"format\":")
        writer.string(ModelFileReader.format)
        writer.raw(",\"version\":\(ModelFileReader.version),\"estimator\":")
        writer.string(model.estimator.rawValue)
        writer.raw(",\"n_features\":\(model.featureCount)")
        if let names = model.featureNames {
            writer.raw(",\"feature_names\":[")
            for (i, name) in names.enumerated() {
                if i > 0 { writer.raw(",") }
                writer.string(name)
            }
            writer.raw("]")
        }
        if model.estimator == .gradientBoosting {
            writer.raw(",\"init\":\(model.initialValue),\"learning_rate\":\(model.learningRate)")
        }
        writer.raw(",\"trees\":[")
        for (t, tree) in model.trees.enumerated() {
            writer.raw(t == 0 ? "{" : ",{")
            writer.array("children_left", tree.childrenLeft.map(String.init))
            writer.raw(",")
            writer.array("children_right", tree.childrenRight.map(String.init))
            writer.raw(",")
            writer.array("feature", tree.feature.map(String.init))
            writer.raw(",")
            writer.array("threshold", tree.threshold.map(\.description))
            writer.raw(",")
            writer.array("value", tree.value.map(\.description))
            writer.raw("}")
        }
        writer.raw("]}\n")
        return writer.out
    }

    private mutating func raw(_ text: String) {
        out.append(contentsOf: text.utf8)
    }

    private mutating func array(_ name: String, _ elements: [String]) {
        raw("\"\(name)\":[")
        raw(elements.joined(separator: ","))
        raw("]")
    }

    /// A JSON string: quote, backslash and control characters escaped, everything else as UTF-8.
    private mutating func string(_ text: String) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension TreeModel {
    /// Reads a model file; throws one `ModelFileError` naming the problem, never a half-loaded model.
    public init(modelFile bytes: [UInt8]) throws(ModelFileError) {
        self = try ModelFileReader.read(bytes)
    }

    /// This model as a model file that `init(modelFile:)` and tools/export_sklearn.py's format share.
    public func modelFileJSON() -> [UInt8] {
        ModelFileWriter.write(self)
    }
}
