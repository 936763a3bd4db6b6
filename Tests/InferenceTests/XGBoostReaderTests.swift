import Glibc
import Testing
@testable import Inference

/// XGBoost's JSON model read into the ensemble decides and sums as XGBoost does: `x < c` on float32
/// inputs, missing values by `default_left`, categories in the set to the right, float32 margins from
/// the base score; the scikit-learn wrapper's best_iteration limits the trees. (tests/test_gbm_models.py
/// compares whole fitted models with xgboost itself.)
@Suite struct XGBoostReaderTests {
    /// One stump on feature 0 at `condition` (leaves −1 and +1, missing left), repeated `rounds` times.
    static func model(objective: String = "reg:squarederror", baseScore: String = "5E-1", numClass: Int = 0,
                      condition: String = "2.5E-1", splitType: Int = 0, categories: String = "[], \"categories_nodes\": [], \"categories_segments\": [], \"categories_sizes\": []",
                      rounds: Int = 1, attributes: String = "{}", booster: String = "gbtree", leafVector: Int = 1) -> [UInt8] {
        let tree = """
        {"tree_param": {"num_nodes": "3", "size_leaf_vector": "\(leafVector)"}, "left_children": [1, -1, -1], "right_children": [2, -1, -1],
         "split_indices": [0, 0, 0], "split_conditions": [\(condition), -1E0, 1E0], "default_left": [1, 0, 0],
         "split_type": [\(splitType), 0, 0], "categories": \(categories)}
        """
        let outputs = max(numClass, 1)
        let trees = (0..<rounds * outputs).map { _ in tree }.joined(separator: ",")
        let info = (0..<rounds * outputs).map { "\($0 % outputs)" }.joined(separator: ",")
        return Array("""
        {"version": [3, 2, 0], "learner": {"attributes": \(attributes), "feature_names": [], "feature_types": [],
         "learner_model_param": {"base_score": "\(baseScore)", "num_class": "\(numClass)", "num_feature": "2", "num_target": "1"},
         "objective": {"name": "\(objective)"},
         "gradient_booster": {"name": "\(booster)", "model": {"gbtree_model_param": {"num_trees": "\(rounds * outputs)", "num_parallel_tree": "1"},
           "trees": [\(trees)], "tree_info": [\(info)]}}}}
        """.utf8)
    }

    static func load(_ bytes: [UInt8]) throws -> TreeModel { try TreeModel(anyModelFile: bytes) }

    static func refusal(_ bytes: [UInt8]) -> String? {
        do {
            _ = try load(bytes)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// A split sends x left iff Float(x) < condition: the condition itself goes right, the float just
    /// below it left, and an input that rounds to the condition as a float goes right too.
    @Test func strictLessThanOnFloat32() throws {
        let model = try Self.load(Self.model())
        let below = Double(Float(0.25).nextDown)
        let y = model.predict([0.25, 0, below, 0, 0.25 - 1e-12, 0, .nan, 0], rowCount: 4)
        #expect(y == [1.5, -0.5, 1.5, -0.5])
        #expect(model.estimator == .xgboostBooster && model.acceptsMissing)
    }

    /// binary:logistic: base_score 0.5 is margin 0; predict is XGBoost's float32 sigmoid of the margin.
    @Test func logisticFromBaseScore() throws {
        let model = try Self.load(Self.model(objective: "binary:logistic", rounds: 3))
        let y = model.predict([0, 0, 1, 0], rowCount: 2)
        #expect(y == [Double(TreeEnsemble.logistic32(-3)), Double(TreeEnsemble.logistic32(3))])
    }

    /// The 3.1+ vector base_score gives one margin per class; predict answers a probability row per row.
    @Test func multiclassVectorBaseScore() throws {
        let model = try Self.load(Self.model(objective: "multi:softprob", baseScore: "[1E0,0E0,-1E0]", numClass: 3))
        #expect(model.valuesPerRow == 3)
        let y = model.predict([1, 0], rowCount: 1)
        #expect(y.count == 3 && y[0] > y[1] && y[1] > y[2] && abs(y.reduce(0, +) - 1) < 1e-6)
        #expect(Self.refusal(Self.model(objective: "multi:softprob", baseScore: "[1E0,0E0]", numClass: 3))?.contains("3 outputs") == true)
    }

    /// A categorical split sends categories in its set right, every other value (−0.5, 2^24, unseen) left.
    @Test func categoriesInTheSetGoRight() throws {
        let model = try Self.load(Self.model(condition: "1E-45", splitType: 1,
                                             categories: "[1, 3], \"categories_nodes\": [0], \"categories_segments\": [0], \"categories_sizes\": [2]"))
        let y = model.predict([1, 0, 3, 0, 2, 0, 1.9, 0, -0.5, 0, 16_777_217, 0, .nan, 0], rowCount: 7)
        #expect(y == [0.5 + 1, 1.5, -0.5, 1.5, -0.5, -0.5, -0.5])
    }

    /// best_iteration counts only for files the scikit-learn wrapper wrote (Booster.predict uses every tree).
    @Test func bestIterationOnlyForTheWrapper() throws {
        let best = #"{"best_iteration": "1", "scikit_learn": "{\"_estimator_type\": \"regressor\"}"}"#
        let wrapper = try Self.load(Self.model(rounds: 4, attributes: best))
        let booster = try Self.load(Self.model(rounds: 4, attributes: #"{"best_iteration": "1"}"#))
        #expect(wrapper.treeCount == 2 && wrapper.estimator == .xgbRegressor)
        #expect(booster.treeCount == 4)
    }

    /// XGBClassifier's file is a classifier with labels 0..K−1 and probabilities [1 − p, p] in float32.
    @Test func classifierWrapper() throws {
        let type = #"{"scikit_learn": "{\"_estimator_type\": \"classifier\"}"}"#
        let model = try Self.load(Self.model(objective: "binary:logistic", attributes: type))
        #expect(model.classes == [.number(.integer(0)), .number(.integer(1))])
        #expect(model.predictClasses([0, 0, 1, 0], rowCount: 2) == [0, 1])
        let p = TreeEnsemble.logistic32(1)
        #expect(model.predictProbabilities([1, 0], rowCount: 1) == [Double(1 - p), Double(p)])
    }

    /// Ranking, squared log and quantile error predict the margin from base_score as is; survival
    /// (Cox, AFT) predicts expf of the margin from logf(base_score).
    @Test func rankingAndSurvivalObjectives() throws {
        for objective in ["rank:pairwise", "rank:ndcg", "rank:map", "reg:squaredlogerror", "reg:quantileerror"] {
            #expect(try Self.load(Self.model(objective: objective)).predict([0, 0, 1, 0], rowCount: 2) == [-0.5, 1.5])
        }
        for objective in ["survival:cox", "survival:aft"] {
            let y = try Self.load(Self.model(objective: objective, baseScore: "2E0")).predict([0, 0, 1, 0], rowCount: 2)
            #expect(y == [Double(expf(logf(2) - 1)), Double(expf(logf(2) + 1))])
        }
    }

    /// Models evserve cannot serve exactly are refused with the field and the reason.
    @Test func refusals() {
        #expect(Self.refusal(Self.model(objective: "binary:hinge"))?.contains("\"binary:hinge\"") == true)
        #expect(Self.refusal(Self.model(booster: "gblinear"))?.contains("gblinear") == true)
        #expect(Self.refusal(Self.model(leafVector: 3))?.contains("multi-target") == true)
        #expect(Self.refusal(Self.model(condition: "NaN"))?.contains("not a finite number") == true)
        #expect(Self.refusal(Self.model(objective: "binary:logistic", baseScore: "1E0")) != nil)
        #expect(Self.refusal(Self.model(splitType: 1))?.contains("categories_nodes lists no set") == true)
    }
}
