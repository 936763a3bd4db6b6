import JSON

/// The one description of a fitted tree ensemble that every model file format reads into, and that
/// `EnsemblePredictor` compiles: trees, how their leaves add up to raw scores, and how raw scores
/// become what `predict` and `predict_proba` return. Nothing here knows which file or library a
/// model came from; a reader fills it in, checked (`TreeEnsemble.validate`).
///
/// Arithmetic, in this order, per row (float64 throughout, as scikit-learn does it):
/// 1. each input is cast to Float when `inputPrecision` is `.float32` (scikit-learn's trees), or kept
///    as a Double (`.float64`, HistGradientBoosting);
/// 2. raw score k starts at `base[k]`; each tree feeding output k (`treeOutput`) adds its leaf's value
///    (times `leafScale` when there is one), tree by tree in order; a tree with `valueWidth` W > 1
///    (a forest classifier's class fractions) adds its W values to outputs `treeOutput ..< +W`;
/// 3. `averaged`: every raw score is divided by the tree count;
/// 4. `link` maps raw scores to the regression value or the class probabilities;
/// 5. classifiers pick a label from `classes` by `decision`.
public struct TreeEnsemble: Sendable, Equatable {
    /// How inputs are compared with thresholds.
    public enum InputPrecision: String, Sendable, CaseIterable {
        /// `Double(Float(x)) <= threshold`: scikit-learn's trees cast X to float32.
        case float32
        /// `x <= threshold` on the Double: HistGradientBoosting keeps float64.
        case float64
    }

    /// From raw scores to the model's output.
    public enum Link: String, Sendable, CaseIterable {
        /// The raw score is the prediction (regressors).
        case identity
        /// Binary: p = 1 / (1 + exp(−raw)) (scipy's expit); probabilities [1 − p, p].
        case expit
        /// Binary, AdaBoost's exponential loss: p = expit(2·raw); probabilities [1 − p, p].
        case expitOfTwice = "expit_2x"
        /// Multiclass, scikit-learn's `softmax`: exp(raw − max), divided by the row's sum.
        case softmax
        /// Multiclass, scikit-learn 1.1's gradient boosting: exp(raw − logsumexp(raw)).
        case softmaxLogSumExp = "softmax_logsumexp"
        /// Regression with a log link (Poisson, gamma): exp(raw).
        case exp
        /// Class fractions already (forests and trees): the raw scores are the probabilities.
        case probabilities
        // Gradient-boosting libraries' links (TreeEnsemble+Outputs.swift has their exact arithmetic).
        /// XGBoost's logistic in float32: 1 / ((expf(min(−raw, 88.7)) + 1) + 1e-16).
        case logistic32 = "logistic_float32"
        /// XGBoost's softmax: float32 expf(raw − max), summed in double, each divided by the sum as a float.
        case softmax32 = "softmax_float32"
        /// XGBoost's log link in float32: expf(raw).
        case exp32 = "exp_float32"
        /// The index of the first largest raw score, as a number (XGBoost's multi:softmax).
        case argmax
        /// A sigmoid per raw score, not normalized (LightGBM's multiclassova): expit(scale · raw).
        case expitEach = "expit_each"
        /// log(1 + exp(raw)) (LightGBM's cross_entropy_lambda).
        case log1pExp = "log1p_exp"
    }

    /// How raw scores are added up: in float64 (scikit-learn, LightGBM) or, as XGBoost does, in
    /// float32: the base and every leaf value are floats and each addition rounds to float.
    public enum Accumulation: String, Sendable, CaseIterable {
        case float64
        case float32
    }

    /// How a classifier picks its label index.
    public enum Decision: String, Sendable, CaseIterable {
        /// The first class with the largest probability (numpy's argmax).
        case argmaxProbability = "argmax_probability"
        /// The first class with the largest raw score.
        case argmaxRaw = "argmax_raw"
        /// Binary with one raw score: class 1 iff raw ≥ 0.
        case rawAtLeastZero = "raw_at_least_zero"
        /// Binary with one raw score: class 1 iff raw > 0.
        case rawAboveZero = "raw_above_zero"
    }

    /// How the raw scores of a row are summed when the link needs a sum (softmax): numpy sums a
    /// row-major row pairwise (8 partial sums from 8 values on) and a column-major one in order.
    public enum SumOrder: String, Sendable, CaseIterable {
        case pairwise
        case sequential
    }

    /// scikit-learn's class name, e.g. `RandomForestClassifier`.
    public var estimator: String
    public var featureCount: Int
    public var featureNames: [String]?
    public var inputPrecision: InputPrecision
    /// Whether a missing value (NaN) is an accepted input; each split then routes it by its tree's
    /// `missingGoesLeft`. When false, a reader of requests refuses missing values.
    public var acceptsMissing: Bool
    /// Raw scores per row: 1 for regressors and binary boosting, the class count otherwise.
    public var outputCount: Int
    public var base: [Double]
    public var leafScale: Double?
    public var averaged: Bool
    public var link: Link
    public var sumOrder: SumOrder
    /// A classifier's labels (`classes_`), as JSON numbers, strings or booleans; nil for a regressor.
    public var classes: [JSONValue]?
    public var decision: Decision?
    public var trees: [DecisionTree]
    /// Per tree, the first raw score it adds to.
    public var treeOutput: [Int]
    /// Float64 unless set (XGBoost: float32).
    public var accumulation: Accumulation = .float64
    /// The factor inside a sigmoid link, `expit(scale · raw)` (LightGBM's `sigmoid:` parameter); nil is 1.
    public var sigmoidScale: Double? = nil

    public var isClassifier: Bool { classes != nil }

    public init(estimator: String, featureCount: Int, featureNames: [String]?, inputPrecision: InputPrecision = .float32,
                acceptsMissing: Bool = false, outputCount: Int = 1, base: [Double], leafScale: Double? = nil,
                averaged: Bool = false, link: Link = .identity, sumOrder: SumOrder = .pairwise,
                classes: [JSONValue]? = nil, decision: Decision? = nil, trees: [DecisionTree], treeOutput: [Int]? = nil) {
        self.estimator = estimator
        self.featureCount = featureCount
        self.featureNames = featureNames
        self.inputPrecision = inputPrecision
        self.acceptsMissing = acceptsMissing
        self.outputCount = outputCount
        self.base = base
        self.leafScale = leafScale
        self.averaged = averaged
        self.link = link
        self.sumOrder = sumOrder
        self.classes = classes
        self.decision = decision
        self.trees = trees
        self.treeOutput = treeOutput ?? [Int](repeating: 0, count: trees.count)
    }

    /// How many probabilities a row has: the class count (2 for a binary model's one raw score).
    public var probabilityCount: Int { classes?.count ?? 0 }
}
