// Where evserve's JSON reader and Foundation's JSONSerialization differ on purpose. evserve reads JSON as
// Python's `json.loads` does (FastAPI's answers depend on it); Foundation follows its own rules. Each
// difference is one named rule that recognises the disagreements it explains; any other disagreement is
// a finding.
import Foundation
import JSON

struct JSONDifference: Sendable {
    let name: String
    let explains: @Sendable (Outcome) -> Bool
}

enum JSONDifferences {
    static let rules: [JSONDifference] = [pythonNonFinite, loneSurrogates, trailingComma, depthLimit, integerDigits, wideEncodings, zeroBytePattern]

    /// Python reads `NaN`, `Infinity`, `-Infinity`, and numbers past Double's range (as ±inf); Foundation
    /// refuses them all ("not representable"). evserve accepts, Foundation refuses, and the text holds such
    /// a token outside strings (the value may not: a repeated key can replace it).
    static let pythonNonFinite = JSONDifference(name: "python-non-finite") { outcome in
        guard case .success = outcome.ours, outcome.theirs == nil, let text = utf8Text(outcome.bytes) else { return false }
        let outside = textOutsideStrings(text)
        return outside.contains("NaN") || outside.contains("Infinity")
            || foundationRounding.numberLiterals(in: text).contains { Double($0)?.isInfinite == true }
    }

    /// Python decodes with `surrogatepass` and keeps lone surrogates (`"\ud800"`, the bytes ED A0 80, or a
    /// lone UTF-16 unit); Swift strings cannot hold them, so evserve reads each as U+FFFD. Foundation
    /// refuses them. evserve accepts, Foundation refuses, and the input has a surrogate escape, encoded
    /// surrogate bytes, or wide text that does not decode strictly (the value may have lost them to a
    /// repeated key).
    static let loneSurrogates = JSONDifference(name: "lone-surrogates") { outcome in
        guard case .success = outcome.ours, outcome.theirs == nil else { return false }
        let bytes = outcome.bytes
        let encodedSurrogate = bytes.indices.contains { bytes[$0] == 0xED && $0 + 1 < bytes.count && bytes[$0 + 1] >= 0xA0 }
        // Zero bytes dropped, so the escapes of UTF-16 and UTF-32 text are seen too.
        let text = String(decoding: bytes.filter { $0 != 0 }, as: UTF8.self).lowercased()
        let escapedSurrogate = text.ranges(of: "\\ud").contains { range in
            text[range.upperBound...].first.map { "89abcdef".contains($0) } ?? false
        }
        return encodedSurrogate || escapedSurrogate || utf8Text(bytes) == nil
    }

    /// Foundation accepts a comma before `]` or `}` (`[1,]`, `{"a":1,}`); Python refuses it. Foundation
    /// accepts, evserve refuses, and the text (as UTF-8) with every such comma removed reads in evserve
    /// as Foundation's value.
    static let trailingComma = JSONDifference(name: "trailing-comma") { outcome in
        guard case .failure = outcome.ours, let reference = outcome.theirs, let text = utf8Text(outcome.bytes) else { return false }
        let rewritten = withoutTrailingCommas(text)
        guard rewritten != text, let value = try? JSONValue.parse(rewritten) else { return false }
        return JSONComparison(input: rewritten).mismatch(value, reference) == nil
    }

    /// evserve refuses nesting deeper than `JSONParser.maxDepth` (64: the parser recurses on a 512 KiB
    /// Dispatch stack); Foundation allows 512 levels. evserve refuses with its depth error, Foundation accepts.
    static let depthLimit = JSONDifference(name: "depth-limit") { outcome in
        guard case .failure(let error) = outcome.ours, outcome.theirs != nil else { return false }
        return error.kind == .undecodable && error.message == "maximum nesting depth exceeded"
    }

    /// Python refuses to convert integers of more than 4300 digits (`sys.int_info.default_max_str_digits`);
    /// Foundation reads them as NSDecimalNumber. evserve refuses with that error, Foundation accepts.
    static let integerDigits = JSONDifference(name: "integer-digits") { outcome in
        guard case .failure(let error) = outcome.ours, outcome.theirs != nil else { return false }
        return error.kind == .undecodable && error.message.hasPrefix("Exceeds the limit (4300 digits)")
    }

    /// Python picks UTF-16 or UTF-32 from a BOM or the zero bytes among the first four
    /// (`json.detect_encoding`, which reads 1- and 3-byte texts as UTF-8) and refuses text that does not
    /// decode whole (a truncated last unit, a code point past U+10FFFF); Foundation guesses and decodes
    /// leniently (`36 00 00 00 00` and `00 36 00` both read as 6). evserve refuses the bytes as UTF-16
    /// or UTF-32 text, or refuses a 1- or 3-byte text holding a zero byte; Foundation accepts.
    static let wideEncodings = JSONDifference(name: "wide-encodings") { outcome in
        guard case .failure(let error) = outcome.ours, outcome.theirs != nil else { return false }
        let undecodable = error.kind == .undecodable
            && (error.message == "the body is not valid UTF-16 text" || error.message == "the body is not valid UTF-32 text")
        let shortWithZero = (outcome.bytes.count == 1 || outcome.bytes.count == 3) && outcome.bytes.contains(0)
        return undecodable || shortWithZero
    }

    /// Without a BOM, Python reads UTF-16 or UTF-32 from where the zero bytes among the first four are
    /// (`00 22 22 00` is UTF-16BE for Python); Foundation asks for more of a pattern and reads such bytes
    /// as UTF-8, which they are not. evserve accepts, Foundation refuses, and given the same text as
    /// UTF-8 (decoded as Python detects it), Foundation accepts the same value.
    static let zeroBytePattern = JSONDifference(name: "zero-byte-pattern") { outcome in
        guard case .success(let value) = outcome.ours, outcome.theirs == nil,
              let encoding = pythonWideEncoding(outcome.bytes),
              let text = String(bytes: outcome.bytes, encoding: encoding),
              let reference = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return false }
        return JSONComparison(input: Array(text.utf8)).mismatch(value, reference) == nil
    }

    /// `json.detect_encoding` for BOM-less UTF-16 and UTF-32; nil for everything else.
    static func pythonWideEncoding(_ b: [UInt8]) -> String.Encoding? {
        if b.starts(with: [0xEF, 0xBB, 0xBF]) || b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE]) { return nil }
        if b.count >= 4 {
            if b[0] == 0 { return b[1] != 0 ? .utf16BigEndian : .utf32BigEndian }
            if b[1] == 0 { return b[2] != 0 || b[3] != 0 ? .utf16LittleEndian : .utf32LittleEndian }
        } else if b.count == 2 {
            if b[0] == 0 { return .utf16BigEndian }
            if b[1] == 0 { return .utf16LittleEndian }
        }
        return nil
    }

    /// A value rule (both accept, strings differ): Foundation drops a raw U+FEFF (bytes EF BB BF in
    /// UTF-8, FF FE in UTF-16LE, ...) at the start of a string or right after an escape (`"\u{FEFF}"`
    /// reads as ""; it seems to decode each run of unescaped text as a document that may open with a
    /// byte-order mark); Python keeps every character. Explained when the strings are equal without their
    /// U+FEFFs, Foundation's has fewer, and the input holds a raw U+FEFF.
    enum foundationDropsBOM {
        static func explains(ours: String, theirs: String, input: [UInt8]) -> Bool {
            let (oursKept, theirsKept) = (withoutBOMs(ours).unicodeScalars, withoutBOMs(theirs).unicodeScalars)
            // Theirs holds fewer U+FEFFs than ours, and without them the two are the same scalar for scalar.
            return theirs.unicodeScalars.count - theirsKept.count < ours.unicodeScalars.count - oursKept.count
                && Array(oursKept) == Array(theirsKept)
                && inputHoldsBOM(input)
        }

        /// The text without its U+FEFFs.
        static func withoutBOMs(_ text: String) -> String {
            String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\u{FEFF}" }))
        }

        /// Whether the text holds a U+FEFF.
        static func holdsBOM(_ text: String) -> Bool {
            text.unicodeScalars.contains("\u{FEFF}")
        }

        /// Whether the input holds a raw U+FEFF, the only kind Foundation drops (an escaped one it keeps):
        /// the bytes EF BB BF once the text is UTF-8 as Python decodes it, so UTF-16 and UTF-32 text
        /// counts too (CI's fuzz run found `"\u{FEFF}x"` as a UTF-16LE key). A leading byte-order mark is
        /// not part of the text.
        static func inputHoldsBOM(_ input: [UInt8]) -> Bool {
            let text = utf8Text(input) ?? input
            return text.indices.contains { text[$0...].starts(with: [0xEF, 0xBB, 0xBF]) }
        }
    }

    /// A value rule (both accept, numbers differ): Foundation's JSONSerialization does not round every
    /// decimal literal to the nearest Double (on Linux `-236391.54159781488` reads 2 units in the last
    /// place off) and reads integers past 64 bits through NSDecimalNumber's 38 digits; evserve, like
    /// Python, rounds correctly. Explained when the input holds a number literal whose correctly rounded
    /// value (strtod, as Swift's `Double(String)`) is evserve's and which Foundation alone reads as Foundation's.
    enum foundationRounding {
        /// Each distinct number literal of an input, read both ways: correctly rounded (evserve's
        /// reading) and by Foundation, as pairs of bit patterns (of `x + 0`, so −0 and 0 pair as == would).
        struct Readings {
            private var pairs: Set<[UInt64]> = []

            init(_ input: [UInt8]) {
                for literal in Set(numberLiterals(in: input)) {
                    guard let correct = Double(literal),
                          let reference = try? JSONSerialization.jsonObject(with: Data(literal.utf8), options: [.fragmentsAllowed]) as? NSNumber
                    else { continue }
                    pairs.insert([(correct + 0).bitPattern, (reference.doubleValue + 0).bitPattern])
                }
            }

            /// Whether some literal reads as `ours` correctly rounded and as `theirs` in Foundation.
            func explain(ours: Double, theirs: Double) -> Bool {
                pairs.contains([(ours + 0).bitPattern, (theirs + 0).bitPattern])
            }
        }

        /// Every run of number characters outside strings that starts like a JSON number. Zero bytes are
        /// dropped first, so the ASCII digits of UTF-16 and UTF-32 text join up too.
        static func numberLiterals(in input: [UInt8]) -> [String] {
            let text = input.filter { $0 != 0 }
            var literals: [String] = []
            var inString = false, escaped = false
            var i = 0
            while i < text.count {
                let byte = text[i]
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                    i += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                    i += 1
                } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    var end = i + 1
                    while end < text.count, Array("0123456789.eE+-".utf8).contains(text[end]) { end += 1 }
                    literals.append(String(decoding: text[i..<end], as: UTF8.self))
                    i = end
                } else {
                    i += 1
                }
            }
            return literals
        }
    }

    // MARK: - Helpers

    /// The input as UTF-8 without a BOM, decoded as Python detects its encoding; nil if it does not decode.
    static func utf8Text(_ bytes: [UInt8]) -> [UInt8]? {
        let boms: [([UInt8], String.Encoding)] = [([0x00, 0x00, 0xFE, 0xFF], .utf32BigEndian), ([0xFF, 0xFE, 0x00, 0x00], .utf32LittleEndian),
                                                  ([0xFE, 0xFF], .utf16BigEndian), ([0xFF, 0xFE], .utf16LittleEndian), ([0xEF, 0xBB, 0xBF], .utf8)]
        for (bom, encoding) in boms where bytes.starts(with: bom) {
            return String(bytes: bytes.dropFirst(bom.count), encoding: encoding).map { Array($0.utf8) }
        }
        guard let encoding = pythonWideEncoding(bytes) else { return bytes }
        return String(bytes: bytes, encoding: encoding).map { Array($0.utf8) }
    }

    /// The text with every string replaced by `""`, as a String (to look for tokens).
    static func textOutsideStrings(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var inString = false, escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false; out.append(byte) }
            } else {
                if byte == UInt8(ascii: "\"") { inString = true }
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text with each comma that (after whitespace) precedes `]` or `}` outside strings removed.
    static func withoutTrailingCommas(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var inString = false, escaped = false
        for (i, byte) in bytes.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: ",") {
                let next = bytes[(i + 1)...].first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
                if next == UInt8(ascii: "]") || next == UInt8(ascii: "}") { continue }
            }
            out.append(byte)
        }
        return out
    }
}

extension JSONValue {
    /// Whether this value or any value inside it satisfies `predicate`.
    func contains(where predicate: (JSONValue) -> Bool) -> Bool {
        if predicate(self) { return true }
        switch self {
        case .array(let elements): return elements.contains { $0.contains(where: predicate) }
        case .object(let object): return object.values.contains { $0.contains(where: predicate) }
        default: return false
        }
    }
}
