// Equality of a value evserve's reader produced and one Foundation's JSONSerialization produced.
import Foundation
import JSON

final class JSONComparison {
    /// The text both values were read from (to explain a number Foundation rounds otherwise).
    let input: [UInt8]
    /// How each number literal of the input reads, worked out once, at the first number that differs
    /// (an input of a hundred long integers that Foundation reads otherwise has a hundred of them).
    private lazy var readings = JSONDifferences.foundationRounding.Readings(input)

    init(input: [UInt8]) {
        self.input = input
    }

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
            let rule = JSONDifferences.foundationDropsBOM.self
            if rule.inputHoldsBOM(input), object.pairs.contains(where: { rule.holdsBOM($0.key) }) || reference.keys.contains(where: rule.holdsBOM) {
                return mergedByDroppedBOMs(object.pairs, reference, at: path)
            }
            guard object.count == reference.count else { return "\(path): \(object.count) keys vs \(reference.count)" }
            for (key, value) in object.pairs {
                guard let other = reference[key] else { return "\(path): key \(key.debugDescription) missing in Foundation's" }
                if let found = mismatch(value, other, at: "\(path).\(key)") { return found }
            }
            return nil
        }
    }

    /// Foundation drops raw U+FEFFs from keys too (one at a key's start, or after an escape), so keys
    /// distinct in evserve's object (and Python's dict) can fall together in Foundation's, or shift onto
    /// one another (`"\u{FEFF}\u{FEFF}0"` becomes a `"\u{FEFF}0"` the text also holds). Where keys hold
    /// U+FEFFs, keys are compared with every U+FEFF dropped on both sides: explained (nil) when those key
    /// sets are equal and each of Foundation's values equals the value of one of evserve's keys in the
    /// same group (which one Foundation kept depends on their order in the text); else where they differ.
    private func mergedByDroppedBOMs(_ pairs: [(key: String, value: JSONValue)], _ reference: [String: Any],
                                     at path: String) -> String? {
        let fold = JSONDifferences.foundationDropsBOM.withoutBOMs
        let ours = Dictionary(grouping: pairs, by: { fold($0.key) })
        let theirs = Dictionary(grouping: reference, by: { fold($0.key) })
        guard Set(ours.keys) == Set(theirs.keys) else {
            return "\(path): keys \(ours.keys.sorted()) vs \(theirs.keys.sorted()) without their U+FEFFs"
        }
        for (key, group) in theirs {
            for (_, other) in group where !(ours[key] ?? []).contains(where: { mismatch($0.value, other, at: "\(path).\($0.key)") == nil }) {
                return "\(path).\(key): no value of evserve's keys in its group equals Foundation's"
            }
        }
        return nil
    }

    /// Numbers compare as Doubles; integers that fit 64 bits also exactly.
    private func mismatch(_ ours: JSONNumber, _ theirs: NSNumber, at path: String) -> String? {
        let describe = "\(path): \(ours) vs \(theirs) (\(String(cString: theirs.objCType)))"
        if case .integer(let value) = ours, !(theirs is NSDecimalNumber), "qilsQ".contains(String(cString: theirs.objCType)) {
            return theirs.int64Value == value || (value < 0 ? false : theirs.uint64Value == UInt64(value)) ? nil : describe
        }
        let a = ours.doubleValue, b = theirs.doubleValue
        if a == b { return nil }
        if readings.explain(ours: a, theirs: b) { return nil }
        return describe
    }

    /// JSONSerialization gives `true` and `false` as NSNumbers of type `c` (char), and numbers never so.
    static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
