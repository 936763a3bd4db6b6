import JSON

/// Writes a `TreeModel` as a version-2 model file (docs/model-format.md): compact JSON on one line.
///
/// Numbers are Swift's `Double.description`, the shortest decimal that reads back to the same
/// Double, so a written file loads into a model that predicts bit for bit the same. All numbers of
/// a model are finite (the reader and the trainer ensure it), so the output is always valid JSON.
struct ModelFileWriter {
    private var out = [UInt8]()

    static func write(_ model: TreeModel) -> [UInt8] {
        let e = model.ensemble
        var writer = ModelFileWriter()
        writer.out.reserveCapacity(256 + model.trees.reduce(0) { $0 + $1.nodeCount * 48 })
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
        writer.raw(",\"input\":\"\(e.inputPrecision.rawValue)\",\"missing_values\":\(e.acceptsMissing)")
        writer.raw(",\"n_outputs\":\(e.outputCount),\"values_per_node\":\(e.trees.first?.valueWidth ?? 1)")
        writer.array("base", e.base.map(\.description), leadingComma: true)
        if let scale = e.leafScale { writer.raw(",\"leaf_scale\":\(scale)") }
        writer.raw(",\"average\":\(e.averaged),\"link\":\"\(e.link.rawValue)\",\"sum_order\":\"\(e.sumOrder.rawValue)\"")
        if let classes = e.classes {
            writer.raw(",\"classes\":")
            JSONWriter.append(.array(classes), to: &writer.out)
            writer.raw(",\"decision\":\"\((e.decision ?? .argmaxProbability).rawValue)\"")
        }
        if e.treeOutput.contains(where: { $0 != 0 }) { writer.array("tree_outputs", e.treeOutput.map(String.init), leadingComma: true) }
        writer.raw(",\"trees\":[")
        for (t, tree) in model.trees.enumerated() {
            writer.raw(t == 0 ? "{" : ",{")
            writer.array("children_left", tree.childrenLeft.map(String.init))
            writer.array("children_right", tree.childrenRight.map(String.init), leadingComma: true)
            writer.array("feature", tree.feature.map(String.init), leadingComma: true)
            writer.array("threshold", tree.threshold.map(\.description), leadingComma: true)
            if tree.missingGoesLeft.contains(true) {
                writer.array("missing_left", tree.missingGoesLeft.map(String.init), leadingComma: true)
            }
            writer.array("value", tree.value.map(\.description), leadingComma: true)
            writer.raw("}")
        }
        writer.raw("]}\n")
        return writer.out
    }

    private mutating func raw(_ text: String) {
        out.append(contentsOf: text.utf8)
    }

    private mutating func array(_ name: String, _ elements: [String], leadingComma: Bool = false) {
        raw("\(leadingComma ? "," : "")\"\(name)\":[")
        raw(elements.joined(separator: ","))
        raw("]")
    }

    private mutating func string(_ text: String) {
        JSONWriter.appendString(text, to: &out)
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
