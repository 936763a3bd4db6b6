// How PredictBodyFuzz's first input byte picks the model a body is read for, and the comparisons it makes.
import Foundation  // only to check failure bodies deeper than evserve's reader reads
import JSON
@testable import Validation

enum BodyConfiguration {
    /// Bits 0–1: 1, 2, 3 or 13 features (13: the reference model, so the recorded oracle bodies fit).
    static func featureCount(_ byte: UInt8) -> Int {
        [1, 2, 3, 13][Int(byte & 3)]
    }

    /// Bits 2–3: the reference rules; missing values and feature names (rows may be objects); a
    /// float32 estimator (values past Float's range are refused); a note for refused nulls.
    static func rules(_ byte: UInt8) -> InputRules {
        let names = (0..<featureCount(byte)).map { ["a", "b", "c", "X", "é"][$0 % 5] + String($0 / 5) }
        switch (byte >> 2) & 3 {
        case 1: return InputRules(acceptsMissing: true, featureNames: names)
        case 2: return InputRules(float32Estimator: "DecisionTreeRegressor")
        case 3: return InputRules(missingRefusal: "this model does not accept missing values", featureNames: names)
        default: return .reference
        }
    }

    /// The general path's answer as the full reader finishes it (the float32 check, when the rules ask).
    static func finished(_ general: Result<FeatureMatrix, ValidationFailure>, rules: InputRules) -> Result<FeatureMatrix, ValidationFailure> {
        guard case .success(let matrix) = general, let estimator = rules.float32Estimator else { return general }
        let failure = PredictBodyReader.float32Overflows(matrix.values[...], featureCount: matrix.featureCount, estimator: estimator)
        return failure.map { .failure($0) } ?? general
    }

    /// Same shape and the same bits in every value (NaN, a missing value, equals NaN; -0 differs from 0).
    static func same(_ a: FeatureMatrix, _ b: FeatureMatrix) -> Bool {
        a.rowCount == b.rowCount && a.featureCount == b.featureCount && a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }

    /// A failure is 422 or 400 with a JSON object whose only key is `detail`. A 422 echoes the input two
    /// or three levels deeper than it was, which can pass evserve's reader's 64 levels: such a body is
    /// read with Foundation (512 levels), which in turn refuses what Python writes and evserve reads
    /// (NaN, numbers past NSDecimalNumber's range), so each reads what the other cannot.
    static func checkFailureBody(_ failure: ValidationFailure) {
        precondition(failure.status == 422 || failure.status == 400, "a failure with status \(failure.status)")
        let keys: [String]?
        do {
            keys = try JSONValue.parse(failure.body).objectValue?.keys
        } catch where error.message == "maximum nesting depth exceeded" {
            keys = (try? JSONSerialization.jsonObject(with: Data(failure.body)) as? [String: Any]).map { Array($0.keys) }
        } catch {
            keys = nil
        }
        guard keys == ["detail"] else {
            fatalError("a failure body that is not {\"detail\": ...}: \(String(decoding: failure.body, as: UTF8.self))")
        }
    }
}
