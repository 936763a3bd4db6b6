import Glibc

/// The XGBoost objectives evserve serves, with what each means for prediction: how `base_score`
/// (stored as a prediction, "before the link") becomes the starting margin, and the link that
/// `Booster.predict` applies to the summed margin. Both in float32, as XGBoost computes them
/// (src/objective/regression_loss.h, regression_obj.cu, multiclass_obj.cu).
enum XGBoostObjective: String, CaseIterable {
    case squaredError = "reg:squarederror"
    case absoluteError = "reg:absoluteerror"
    case pseudoHuberError = "reg:pseudohubererror"
    case logisticRegression = "reg:logistic"
    case binaryLogistic = "binary:logistic"
    case binaryLogitRaw = "binary:logitraw"
    case softprob = "multi:softprob"
    case softmax = "multi:softmax"
    case poisson = "count:poisson"
    case gamma = "reg:gamma"
    case tweedie = "reg:tweedie"
    case squaredLogError = "reg:squaredlogerror"
    /// One `quantile_alpha` only: several make a multi-target model, which the reader refuses.
    case quantileError = "reg:quantileerror"
    case cox = "survival:cox"
    case acceleratedFailureTime = "survival:aft"
    case pairwiseRank = "rank:pairwise"
    case ndcgRank = "rank:ndcg"
    case mapRank = "rank:map"

    var isMulticlass: Bool { self == .softprob || self == .softmax }

    var link: TreeEnsemble.Link {
        switch self {
        case .squaredError, .absoluteError, .pseudoHuberError, .binaryLogitRaw, .squaredLogError, .quantileError,
             .pairwiseRank, .ndcgRank, .mapRank: return .identity
        case .logisticRegression, .binaryLogistic: return .logistic32
        case .softprob: return .softmax32
        case .softmax: return .argmax
        case .poisson, .gamma, .tweedie, .cox, .acceleratedFailureTime: return .exp32
        }
    }

    /// `ProbToMargin`: the logistic objectives take the logit, the log-link ones (survival too) the log;
    /// the rest (binary:logitraw, the multiclass and ranking ones, squared log and quantile error,
    /// whose base is already a margin) keep it.
    func margin(fromBaseScore b: Float) -> Float {
        switch self {
        case .logisticRegression, .binaryLogistic: return -logf(Float(1) / b - Float(1))
        case .poisson, .gamma, .tweedie, .cox, .acceleratedFailureTime: return logf(b)
        default: return b
        }
    }
}
