/// The LightGBM objectives evserve serves, from the header's `objective=` line (a name, then
/// `key:value` parameters such as `sigmoid:1`, `num_class:3`), with the transform `Booster.predict`
/// applies to the raw scores (src/objective/*.hpp), in float64 with libm's exp. The ranking
/// objectives (lambdarank, rank_xendcg) predict the raw score, as the regression ones do.
struct LightGBMObjective {
    var name: Substring
    var link: TreeEnsemble.Link
    /// `sigmoid:` of binary and multiclassova: p = 1 / (1 + exp(−sigmoid · raw)).
    var sigmoid: Double?

    static let identityObjectives: Set<Substring> = ["regression", "regression_l2", "regression_l1", "huber", "fair", "quantile", "mape",
                                                              "lambdarank", "rank_xendcg"]
    static let supported = "regression (l2, l1, huber, fair, quantile, mape), poisson, gamma, tweedie, binary, multiclass, multiclassova, cross_entropy, cross_entropy_lambda, lambdarank, rank_xendcg"

    init(_ line: Substring) throws(ModelFileError) {
        let parts = line.split(separator: " ")
        guard let first = parts.first else { throw .missingField("objective") }
        name = first
        var parameters: [Substring: Substring] = [:]
        for part in parts.dropFirst() {
            if let colon = part.firstIndex(of: ":") {
                parameters[part[..<colon]] = part[part.index(after: colon)...]
            } else {
                parameters[part] = ""
            }
        }
        switch name {
        case _ where Self.identityObjectives.contains(name):
            if parameters["sqrt"] != nil {
                throw .invalidValue(field: "objective", reason: "is \"\(line)\"; reg_sqrt models are not supported")
            }
            link = .identity
        case "poisson", "gamma", "tweedie": link = .exp
        case "binary", "multiclassova":
            link = name == "binary" ? .expit : .expitEach
            guard let text = parameters["sigmoid"], let scale = Double(text), scale.isFinite, scale > 0 else {
                throw .invalidValue(field: "objective", reason: "is \"\(line)\"; \(name) needs a positive sigmoid:")
            }
            sigmoid = scale
        case "multiclass": link = .softmax
        case "cross_entropy", "xentropy": link = .expit
        case "cross_entropy_lambda", "xentlambda": link = .log1pExp
        default:
            throw .unsupported(field: "objective", value: "\"\(name)\"", supported: Self.supported)
        }
    }

    var isMulticlass: Bool { name == "multiclass" || name == "multiclassova" }
}
