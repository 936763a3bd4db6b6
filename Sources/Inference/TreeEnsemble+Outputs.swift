import Glibc

/// What `predict` returns for a model without classes (a regressor, or a gradient-boosting library's
/// `Booster`, whose `predict` gives the objective's transformed output: one value per row, or one
/// per class for multiclass objectives), and the float32 links, each written as the library computes
/// it so that results are equal bit for bit. `expf`/`logf` are glibc's, as the libraries' own builds
/// on Linux call them.
extension TreeEnsemble {
    /// How many numbers `predict` returns per row: the raw-score count for multi-valued links
    /// (softmax rows, one sigmoid per class, several identity scores), else 1.
    public var valuesPerRow: Int {
        guard classes == nil else { return 1 }
        switch link {
        case .softmax, .softmax32, .expitEach, .identity, .probabilities, .softmaxLogSumExp: return outputCount
        case .expit, .expitOfTwice, .logistic32, .exp, .exp32, .argmax, .log1pExp: return 1
        }
    }

    /// Whether `predict` needs `values(raw:into:)` rather than scikit-learn's regressor path (the
    /// first raw score, through `Link.value`). Never for a classifier: its `predict` is documented as
    /// the first raw score, and `valuesPerRow` is 1 for it whatever its link (a softmax classifier's
    /// `values` would write one number per class into room for one; found by ModelFileFuzz).
    var hasLibraryOutputs: Bool {
        guard classes == nil else { return false }
        return valuesPerRow > 1 || ![.identity, .exp].contains(link) || sigmoidScale != nil
    }

    /// Writes `valuesPerRow` values from one row's `outputCount` raw scores.
    func values(raw: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let scale = sigmoidScale ?? 1
        switch link {
        case .identity, .probabilities:
            for k in 0..<valuesPerRow { out[k] = raw[k] }
        case .exp:
            out[0] = Glibc.exp(raw[0])
        case .expit, .expitOfTwice:
            // LightGBM: 1 / (1 + exp(−sigmoid · raw)); with scale 1 this is scipy's expit.
            let x = link == .expit ? scale * raw[0] : 2 * raw[0]
            out[0] = 1 / (1 + Glibc.exp(-x))
        case .expitEach:
            for k in 0..<outputCount { out[k] = 1 / (1 + Glibc.exp(-(scale * raw[k]))) }
        case .log1pExp:
            out[0] = Glibc.log1p(Glibc.exp(raw[0]))
        case .logistic32:
            out[0] = Double(Self.logistic32(Float(raw[0])))
        case .exp32:
            out[0] = Double(Glibc.expf(Float(raw[0])))
        case .argmax:
            out[0] = Double(TreeEnsemble.Decision.firstLargest(raw, outputCount))
        case .softmax32:
            Self.softmax32(raw, count: outputCount, into: out)
        case .softmax, .softmaxLogSumExp:
            link.probabilities(raw, outputCount: outputCount, sumOrder: sumOrder, into: out)
        }
    }

    /// XGBoost's sigmoid (src/common/math.h): the exponent is capped at 88.7 so expf stays finite;
    /// the 1e-16 guard is below half an ulp of 1 and vanishes, but is kept to mirror the sum.
    @inline(__always)
    static func logistic32(_ x: Float) -> Float {
        let exponent = min(-x, Float(88.7))
        let denominator = (Glibc.expf(exponent) + Float(1)) + Float(1e-16)
        return Float(1) / denominator
    }

    /// XGBoost's softmax: float max, float expf(x − max), the exponentials summed in double, then
    /// each divided by the sum rounded to float.
    static func softmax32(_ raw: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        var largest = Float(raw[0])
        for k in 1..<max(count, 1) { largest = fmaxf(Float(raw[k]), largest) }
        var sum = 0.0
        for k in 0..<count {
            let e = Glibc.expf(Float(raw[k]) - largest)
            out[k] = Double(e)
            sum += Double(e)
        }
        let divisor = Float(sum)
        for k in 0..<count { out[k] = Double(Float(out[k]) / divisor) }
    }

    /// A float32 classifier's probabilities: binary [1 − p, p] with `1 − p` rounded to float (numpy's
    /// float32 arithmetic in XGBClassifier.predict_proba), or the float32 softmax.
    static func probabilities32(_ link: Link, _ raw: UnsafePointer<Double>, outputCount: Int, into p: UnsafeMutablePointer<Double>) {
        if link == .logistic32 {
            let positive = logistic32(Float(raw[0]))
            p[0] = Double(Float(1) - positive)
            p[1] = Double(positive)
        } else {
            softmax32(raw, count: outputCount, into: p)
        }
    }
}
