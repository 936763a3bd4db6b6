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
            guard object.count == reference.count else { return "\(path): \(object.count) keys vs \(reference.count)" }
            for (key, value) in object.pairs {
                guard let other = reference[key] ?? reference[JSONDifferences.foundationDropsBOM.foundationKey(key, among: reference.keys)] else { return "\(path): key \(key.debugDescription) missing in Foundation's" }
                if let found = mismatch(value, other, at: "\(path).\(key)") { return found }
            }
            return nil
        }
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
