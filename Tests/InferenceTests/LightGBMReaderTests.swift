import Testing
@testable import Inference

/// LightGBM's text model read into the ensemble decides as LightGBM's Tree::Decision does: the
/// missing types None/Zero/NaN, default_left, categorical bitsets, its zero margin; damaged or
/// unsupported files are refused. (tests/test_gbm_models.py compares fitted models with lightgbm.)
@Suite struct LightGBMReaderTests {
    /// One stump on feature 0 (leaves −1 and +1) with the given decision_type and threshold.
    static func model(decisionType: Int = 10, threshold: String = "0.25", objective: String = "regression",
                      extraTree: String = "", header: String = "", end: Bool = true) -> [UInt8] {
        Array("""
        tree
        version=v4
        num_class=1
        num_tree_per_iteration=1
        label_index=0
        max_feature_idx=1
        objective=\(objective)
        feature_names=a b
        \(header)
        Tree=0
        num_leaves=2
        num_cat=0
        split_feature=0
        threshold=\(threshold)
        decision_type=\(decisionType)
        left_child=-1
        right_child=-2
        leaf_value=-1 1
        \(extraTree)
        shrinkage=1

        \(end ? "end of trees" : "")
        """.utf8)
    }

    static func predict(_ bytes: [UInt8], _ xs: [Double]) throws -> [Double] {
        let model = try TreeModel(anyModelFile: bytes)
        return model.predict(xs.flatMap { [$0, 0] }, rowCount: xs.count)
    }

    static func refusal(_ bytes: [UInt8]) -> String? {
        do {
            _ = try TreeModel(anyModelFile: bytes)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Missing type NaN (decision_type 8/10): NaN goes by default_left, everything else by x <= threshold.
    @Test func missingTypeNaN() throws {
        #expect(try Self.predict(Self.model(decisionType: 10), [0.25, 0.2500001, .nan, 0]) == [-1, 1, -1, -1])
        #expect(try Self.predict(Self.model(decisionType: 8), [.nan]) == [1])
    }

    /// Missing type None (0/2): a NaN is read as 0.0 and compared; default_left plays no part.
    @Test func missingTypeNone() throws {
        #expect(try Self.predict(Self.model(decisionType: 2, threshold: "-1"), [.nan, -1]) == [1, -1])
        #expect(try Self.predict(Self.model(decisionType: 0, threshold: "1"), [.nan]) == [-1])
    }

    /// Missing type Zero (4/6): NaN, 0 and anything within 1e-35 of 0 go by default_left.
    @Test func missingTypeZero() throws {
        #expect(try Self.predict(Self.model(decisionType: 4, threshold: "-1"), [0, -0.0, 1e-36, .nan, 2e-35, -5]) == [1, 1, 1, 1, 1, -1])
        #expect(try Self.predict(Self.model(decisionType: 6, threshold: "5"), [0, 1e-36, .nan, 3, 7]) == [-1, -1, -1, -1, 1])
        #expect(try Self.predict(Self.model(decisionType: 4, threshold: "5"), [0, 3]) == [1, -1])
    }

    /// Inputs within LightGBM's zero margin count as 0.0, so a threshold inside the margin decides them as 0.
    @Test func thresholdsInsideTheZeroMargin() throws {
        let margin = CategorySplit.zeroMargin
        #expect(try Self.predict(Self.model(decisionType: 10, threshold: "-5e-36"), [-margin, -1e-36, -2e-35]) == [1, 1, -1])
        #expect(try Self.predict(Self.model(decisionType: 10, threshold: "0"), [margin, 2e-35]) == [-1, 1])
    }

    /// Categorical (decision_type 1): categories in the bitset go left; −0.5 is category 0; NaN, negative,
    /// unseen and huge ones go right.
    @Test func categoricalBitset() throws {
        let bytes = Self.model(decisionType: 1, threshold: "0", extraTree: "cat_boundaries=0 2\ncat_threshold=9 1")
            .split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { $0.elementsEqual(Array("num_cat=0".utf8)) ? Array("num_cat=1".utf8)[...] : $0 }
            .joined(separator: [UInt8(ascii: "\n")])
        let y = try Self.predict(Array(bytes), [0, 3, 32, 1, -0.5, 3.9, .nan, -1, 33, 1e12])
        #expect(y == [-1, -1, -1, 1, -1, -1, 1, 1, 1, 1])
    }

    /// Objectives map to LightGBM's transforms: binary with sigmoid:2 is 1/(1+exp(−2·raw)).
    @Test func binarySigmoidScale() throws {
        let y = try Self.predict(Self.model(objective: "binary sigmoid:2"), [1])
        #expect(y == [1 / (1 + Glibc.exp(-2.0))])
    }

    /// lambdarank and rank_xendcg predict the raw score, as regression does.
    @Test func rankingObjectivesPredictTheRawScore() throws {
        for objective in ["lambdarank", "rank_xendcg"] {
            #expect(try Self.predict(Self.model(objective: objective), [0, 1]) == Self.predict(Self.model(), [0, 1]))
        }
    }

    /// Linear trees, unknown objectives, truncated files and bad child links are refused with a reason.
    @Test func refusals() {
        #expect(Self.refusal(Self.model(extraTree: "is_linear=1"))?.contains("linear trees") == true)
        #expect(Self.refusal(Self.model(objective: "custom"))?.contains("\"custom\"") == true)
        #expect(Self.refusal(Self.model(end: false))?.contains("end of trees") == true)
        #expect(Self.refusal(Self.model(decisionType: 12))?.contains("decision type") == true)
        #expect(Self.refusal(Self.model(threshold: "nan"))?.contains("not a finite") == true)
        #expect(Self.refusal(Array("tree\nmax_feature_idx=99999999999\nend of trees\n".utf8)) != nil)
        let badChild = String(decoding: Self.model(), as: UTF8.self).replacingFirst("right_child=-2", with: "right_child=-9223372036854775808")
        #expect(Self.refusal(Array(badChild.utf8))?.contains("neither a split") == true)
    }
}

import Glibc

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
