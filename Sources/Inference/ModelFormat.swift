import JSON

/// The model file formats evserve reads, told apart by content (never by file name): an
/// evserve.trees JSON file, XGBoost's JSON or UBJSON, LightGBM's text model. Each has one reader
/// that fills in a `TreeEnsemble`.
public enum ModelFormat: String, Sendable {
    case evserveTrees = "evserve.trees"
    case xgboostJSON = "XGBoost JSON"
    case xgboostUBJSON = "XGBoost UBJSON"
    case lightgbmText = "LightGBM text"

    /// The format of `bytes` by its first bytes: LightGBM's text starts with the line `tree`; UBJSON's
    /// object `{` is followed by a key length's integer marker (JSON's by a quote, a brace or
    /// whitespace); a JSON object with a `learner` is XGBoost's. nil: not recognisable, which the
    /// evserve.trees reader then reports (as JSON's syntax error).
    static func detect(_ bytes: [UInt8], document: JSONValue?) -> ModelFormat? {
        if bytes.starts(with: Array("tree\n".utf8)) || bytes.starts(with: Array("tree\r\n".utf8)) { return .lightgbmText }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "{"), Array("iUIlL#$N".utf8).contains(bytes[1]) { return .xgboostUBJSON }
        guard let document else { return nil }
        return document["learner"] != nil ? .xgboostJSON : .evserveTrees
    }
}

extension TreeModel {
    /// Reads a model file of any format evserve knows (`ModelFormat`), recognised by its content;
    /// throws one `ModelFileError` naming the problem, never a half-loaded model.
    public init(anyModelFile bytes: [UInt8]) throws(ModelFileError) {
        let document = ModelFormat.looksLikeJSON(bytes) ? try? JSONValue.parse(bytes) : nil
        switch ModelFormat.detect(bytes, document: document) {
        case .lightgbmText: self = try LightGBMReader.read(bytes)
        case .xgboostUBJSON: self = try XGBoostReader.read(try UBJSONReader.read(bytes))
        case .xgboostJSON: self = try XGBoostReader.read(document!)
        case .evserveTrees: self = try ModelFileReader.read(document: document!)
        case nil: self = try ModelFileReader.read(bytes)
        }
    }
}

extension ModelFormat {
    /// Not LightGBM text nor UBJSON: worth parsing as JSON once.
    static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        detect(bytes, document: nil) == nil
    }
}
