// Equality of a value evserve's reader produced and one Foundation's JSONSerialization produced.
import Foundation
import JSON

struct JSONComparison {
    /// The text both values were read from (to explain a number Foundation rounds otherwise).
    let input: [UInt8]

    /// Where the two values first differ (a path and both sides), or nil when they are equal.
    func mismatch(_ ours: JSONValue, _ theirs: Any, at path: String = "$") -> String? {
        switch ours {
        case .null:
            return theirs is NSNull ? nil : "\(path): null vs \(theirs)"
        case .bool(let flag):
            guard let number = theirs as? NSNumber, Self.isBoolean(number) else { return "\(path): \(flag) vs \(theirs)" }
            return number.boolValue == flag ? nil : "\(path): \(flag) vs \(number)"
        case .number(let number):
            guard let reference = theirs as? NSNumber, !Self.isBoolean(reference) else { return "\(path): \(number) vs \(theirs)" }
            return mismatch(number, reference, at: path)
        case .string(let text):
            guard let reference = theirs as? String else { return "\(path): string vs \(theirs)" }
            if Array(text.unicodeScalars) == Array(reference.unicodeScalars) { return nil }
            if JSONDifferences.foundationDropsBOM.explains(ours: text, theirs: reference, input: input) { return nil }
            return "\(path): \(text.debugDescription) vs \(reference.debugDescription)"
        case .array(let elements):
            guard let reference = theirs as? [Any] else { return "\(path): array vs \(theirs)" }
            guard elements.count == reference.count else { return "\(path): \(elements.count) elements vs \(reference.count)" }
            for (index, (element, other)) in zip(elements, reference).enumerated() {
                if let found = mismatch(element, other, at: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let object):
            guard let reference = theirs as? [String: Any] else { return "\(path): object vs \(theirs)" }
            // A repeated key keeps its last value in both (Python's dict; Foundation's dictionary).
            guard object.count == reference.count else { return mergedByDroppedBOMs(object.pairs, reference, at: path) }
            for (key, value) in object.pairs {
                guard let other = reference[key] ?? reference[JSONDifferences.foundationDropsBOM.foundationKey(key, among: reference.keys)] else { return "\(path): key \(key.debugDescription) missing in Foundation's" }
                if let found = mismatch(value, other, at: "\(path).\(key)") { return found }
            }
            return nil
        }
    }

    /// Foundation drops raw U+FEFFs from keys too (one at a key's start, or after an escape), so keys
    /// distinct in evserve's object (and Python's dict) can fall together in Foundation's. Explained (nil)
    /// when, folding evserve's keys as Foundation reads them (their leading U+FEFF dropped; or every
    /// U+FEFF dropped on both sides, for those after escapes), the key sets are equal and each of
    /// Foundation's values equals the value of one of the keys that fell into it (which one Foundation
    /// kept depends on their order in the text); else where they differ.
    private func mergedByDroppedBOMs(_ pairs: [(key: String, value: JSONValue)], _ reference: [String: Any],
                                     at path: String) -> String? {
        let rule = JSONDifferences.foundationDropsBOM.self
        let folds: [(ours: (String) -> String, theirs: (String) -> String)] = [
            (rule.withoutLeadingBOM, { $0 }), (rule.withoutBOMs, rule.withoutBOMs)]
        guard rule.inputHoldsBOM(input) else { return "\(path): \(pairs.count) keys vs \(reference.count)" }
        for fold in folds {
            let merged = Dictionary(grouping: pairs, by: { fold.ours($0.key) })
            let theirs = Dictionary(reference.map { (fold.theirs($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
            guard Set(merged.keys) == Set(theirs.keys), theirs.count == reference.count else { continue }
            let unexplained = theirs.first { key, other in
                !(merged[key] ?? []).contains { mismatch($0.value, other, at: "\(path).\($0.key)") == nil }
            }
            if let (key, _) = unexplained { return "\(path).\(key): no value of the keys that fell into it equals Foundation's" }
            return nil
        }
        return "\(path): \(pairs.count) keys vs \(reference.count), not explained by dropped U+FEFFs"
    }

    /// Numbers compare as Doubles; integers that fit 64 bits also exactly.
    private func mismatch(_ ours: JSONNumber, _ theirs: NSNumber, at path: String) -> String? {
        let describe = "\(path): \(ours) vs \(theirs) (\(String(cString: theirs.objCType)))"
        if case .integer(let value) = ours, !(theirs is NSDecimalNumber), "qilsQ".contains(String(cString: theirs.objCType)) {
            return theirs.int64Value == value || (value < 0 ? false : theirs.uint64Value == UInt64(value)) ? nil : describe
        }
        let a = ours.doubleValue, b = theirs.doubleValue
        if a == b { return nil }
        if JSONDifferences.foundationRounding.explains(ours: a, theirs: b, input: input) { return nil }
        return describe
    }

    /// JSONSerialization gives `true` and `false` as NSNumbers of type `c` (char), and numbers never so.
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
