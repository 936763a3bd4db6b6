import JSON
import Testing
@testable import Inference

/// UBJSON as XGBoost writes it reads into the JSON value the `.json` file would give; damaged bytes
/// are refused with the byte offset, before any allocation their counts ask for.
@Suite struct UBJSONReaderTests {
    static func bytes(_ parts: [Any]) -> [UInt8] {
        var out = [UInt8]()
        for part in parts {
            switch part {
            case let text as String: out += Array(text.utf8)
            case let byte as UInt8: out.append(byte)
            case let list as [Int]: out += list.map { UInt8($0) }
            default: fatalError("unsupported part")
            }
        }
        return out
    }

    static func refusal(_ input: [UInt8]) -> String? {
        do {
            _ = try UBJSONReader.read(input)
            return nil
        } catch {
            return error.description
        }
    }

    /// An object with a typed float32 array, an int64 array, a string and nested counted arrays reads exactly.
    @Test func readsXGBoostShapes() throws {
        let value = try UBJSONReader.read(Self.bytes([
            "{", "i", UInt8(1), "a", "[$d#i", UInt8(2), [0x3F, 0xC0, 0x00, 0x00], [0xBE, 0xAA, 0xAA, 0xAB],
            "i", UInt8(1), "b", "[$L#i", UInt8(1), [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE],
            "L", [0, 0, 0, 0, 0, 0, 0, 1], "s", "SU", UInt8(3), "abc",
            "i", UInt8(1), "n", "[#U", UInt8(3), "i", UInt8(0x85), "I", [0x01, 0x00], "T",
            "}",
        ]))
        #expect(value["a"]?.doubleArray == [1.5, Double(Float(bitPattern: 0xBEAA_AAAB))])
        #expect(value["b"]?.intArray == [-2])
        #expect(value["s"]?.stringValue == "abc")
        #expect(value["n"] == .array([.number(.integer(-123)), .number(.integer(256)), .bool(true)]))
    }

    /// A string whose length runs past the end is refused (a fuzzing find: the length's own bytes
    /// were once counted as string bytes).
    @Test func stringLengthPastTheEnd() {
        #expect(Self.refusal(Self.bytes(["SU", UInt8(3), "ab"]))?.contains("longer than the rest") == true)
        #expect(Self.refusal(Self.bytes(["SL", [0, 0, 0, 0, 0, 0, 0, 9], "x"]))?.contains("longer than the rest") == true)
    }

    /// A typed array claiming more elements than the bytes left could hold is refused before allocating.
    @Test func hugeCountsAreRefused() {
        #expect(Self.refusal(Self.bytes(["[$d#L", [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0]]))?
            .contains("element count") == true)
        #expect(Self.refusal(Self.bytes(["[$T#l", [0x7F, 0xFF, 0xFF, 0xFF]])) != nil)
        #expect(Self.refusal(Self.bytes(["[#i", UInt8(0x80)])) != nil)
    }

    /// Nesting past 64 levels, unknown markers, trailing bytes and truncation are refused, never a crash.
    @Test func malformedInputs() {
        #expect(Self.refusal([UInt8](repeating: UInt8(ascii: "["), count: 10_000))?.contains("nesting") == true)
        #expect(Self.refusal(Self.bytes(["Q"]))?.contains("unknown type marker") == true)
        #expect(Self.refusal(Self.bytes(["ZZ"]))?.contains("extra bytes") == true)
        #expect(Self.refusal(Self.bytes(["{i", UInt8(1), "a"]))?.contains("end of data") == true)
        #expect(Self.refusal([])?.contains("end of data") == true)
    }
}
