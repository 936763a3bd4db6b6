/// Why a model file was refused. Each case names the field (as a path like `trees[2].feature[5]`)
/// and the problem, so `evserve --model FILE` can print one line and exit non-zero.
public enum ModelFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not JSON; carries the parser's message (Python's wording and position).
    case notJSON(String)
    /// The file's `version` is newer than this evserve reads (the newest it reads is `newest`).
    case newerVersion(Int, newest: Int)
    /// A required field is absent.
    case missingField(String)
    /// A field holds the wrong kind of value.
    case wrongType(field: String, expected: String)
    /// `format`, `version` or `estimator` is not one this reader knows.
    case unsupported(field: String, value: String, supported: String)
    /// A number that must be finite (threshold, value, init, learning_rate) is NaN or infinite.
    case notFinite(field: String)
    /// Some other out-of-range value (n_features < 1, no trees, an empty tree, ...).
    case invalidValue(field: String, reason: String)
    /// The node arrays of one tree do not all have the same length.
    case lengthMismatch(tree: Int, field: String, count: Int, expected: Int)
    /// A child index is neither -1 nor a node of the tree.
    case childOutOfRange(tree: Int, field: String, node: Int, child: Int, nodeCount: Int)
    /// A node has exactly one child of -1: it is neither a leaf nor a split.
    case halfLeaf(tree: Int, node: Int)
    /// A node is reached twice from the root: the child links form a cycle or share a node.
    case cycle(tree: Int, node: Int)
    /// A node cannot be reached from the root.
    case unreachable(tree: Int, node: Int)
    /// A split's feature index is not below n_features.
    case featureOutOfRange(tree: Int, node: Int, feature: Int, featureCount: Int)
    /// The bytes are not a well-formed file of `format` (UBJSON, LightGBM's text model), with the reason.
    case malformed(format: String, reason: String)

    public var description: String {
        switch self {
        case .notJSON(let message):
            return "model file is not JSON: \(message)"
        case .newerVersion(let version, let newest):
            return "model file: version \(version) is newer than this evserve reads (versions 1 to \(newest)); upgrade evserve or export for version \(newest)"
        case .missingField(let field):
            return "model file: missing field \"\(field)\""
        case .wrongType(let field, let expected):
            return "model file: \"\(field)\" must be \(expected)"
        case .unsupported(let field, let value, let supported):
            return "model file: \"\(field)\" is \(value); supported: \(supported)"
        case .notFinite(let field):
            return "model file: \"\(field)\" is not a finite number (NaN or infinite)"
        case .invalidValue(let field, let reason):
            return "model file: \"\(field)\" \(reason)"
        case .lengthMismatch(let tree, let field, let count, let expected):
            return "model file: trees[\(tree)].\(field) has \(count) entries but should have \(expected) (one per node of trees[\(tree)].children_left\(field == "value" ? ", times values_per_node" : ""))"
        case .childOutOfRange(let tree, let field, let node, let child, let nodeCount):
            return "model file: trees[\(tree)].\(field)[\(node)] is \(child), not -1 or a node index below \(nodeCount)"
        case .halfLeaf(let tree, let node):
            return "model file: trees[\(tree)] node \(node) has one child of -1 and one real child; a leaf has both -1"
        case .cycle(let tree, let node):
            return "model file: trees[\(tree)] node \(node) is reached twice from the root (the child links form a cycle or share a node)"
        case .unreachable(let tree, let node):
            return "model file: trees[\(tree)] node \(node) cannot be reached from the root (node 0)"
        case .malformed(let format, let reason):
            return "model file is not a valid \(format) file: \(reason)"
        case .featureOutOfRange(let tree, let node, let feature, let featureCount):
            return "model file: trees[\(tree)].feature[\(node)] is \(feature), but n_features is \(featureCount) (valid: 0...\(featureCount - 1))"
        }
    }
}
