@testable import HTTP1
import Testing

/// The word-at-a-time byte tests agree with the byte-by-byte rules they stand for.
@Suite struct ByteClassTests {
    /// The rule `isPlainFieldText` applies to each byte: VCHAR or obs-text.
    private static func plain(_ b: UInt8) -> Bool { b >= 0x21 && b != 0x7F }

    private static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    /// Calls `body` with 200,000 words of eight bytes from a fixed generator started at `seed`, each
    /// byte made by `shape` from a random one (to bias words toward the bytes a test is about).
    private static func forEachRandomWord(seed: UInt64, shape: (UInt8) -> UInt8, _ body: ([UInt8]) -> Void) {
        var state = seed
        for _ in 0..<200_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            body((0..<8).map { k in shape(UInt8(truncatingIfNeeded: state >> (8 * UInt64(k)))) })
        }
    }

    /// Every byte value in every position, among neighbours of each kind, decides the word alone.
    @Test func plainFieldTextIsDecidedByEveryByte() {
        for neighbour: UInt8 in [0x61, 0x21, 0x7E, 0x80, 0xFF] {
            for position in 0..<8 {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: neighbour, count: 8)
                    bytes[position] = UInt8(value)
                    #expect(ByteClass.isPlainFieldText(Self.word(bytes)) == Self.plain(UInt8(value)),
                            "byte \(value) at \(position) beside \(neighbour)")
                }
            }
        }
    }

    /// Random words, many with several refused bytes (whose borrows could hide one another).
    @Test func plainFieldTextMatchesTheByteRuleOnRandomWords() {
        // Bias toward the edges of the classes: 0x00-0x22, 0x7E-0x81 and anything.
        Self.forEachRandomWord(seed: 0x9E37_79B9_7F4A_7C15, shape: { r in
            switch r % 3 {
            case 0: r % 0x23
            case 1: 0x7E + r % 4
            default: r
            }
        }) { bytes in
            #expect(ByteClass.isPlainFieldText(Self.word(bytes)) == bytes.allSatisfy(Self.plain), "\(bytes)")
        }
    }

    /// The lowest mark of `lineEndBytes` is the first CR or LF, whatever else the word holds.
    @Test func lineEndBytesFindsTheFirstCROrLF() {
        // Mostly CR, LF and their neighbours (0x0C, 0x0E, 0x09, 0x0B, 0x00), whose borrows could mislead.
        Self.forEachRandomWord(seed: 0xD1B5_4A32_D192_ED03, shape: { r in
            r % 4 == 0 ? r : [0x0D, 0x0A, 0x0C, 0x0E, 0x09, 0x0B, 0x00, 0x8D, 0x8A][Int(r >> 2) % 9]
        }) { bytes in
            let first = bytes.firstIndex { $0 == ByteClass.cr || $0 == ByteClass.lf }
            let marks = ByteClass.lineEndBytes(Self.word(bytes))
            #expect((marks == 0 ? nil : marks.trailingZeroBitCount / 8) == first, "\(bytes)")
        }
    }

    /// Only A-Z change, each to its lower case, whatever surrounds it.
    @Test func lowercasedFoldsExactlyTheCapitals() {
        for neighbour: UInt8 in [0x41, 0x5A, 0x40, 0x5B, 0xC1, 0x00] {
            for position in 0..<8 {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: neighbour, count: 8)
                    bytes[position] = UInt8(value)
                    let folded = bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
                    #expect(ByteClass.lowercased(Self.word(bytes)) == Self.word(folded), "byte \(value) at \(position)")
                }
            }
        }
    }

    /// Long names compare word by word (the last word overlapping): any changed byte is noticed,
    /// and any capitalisation of the name still matches.
    @Test(arguments: ["connection", "content-type", "content-length", "transfer-encoding", "inference-header-content-length"] as [StaticString])
    func longNamesCompareIgnoringCaseOnly(_ name: StaticString) {
        let lower = Array(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        func equal(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { ByteClass.equalsIgnoringCase($0, name) } }
        #expect(equal(lower))
        #expect(equal(lower.map { (0x61...0x7A).contains($0) ? $0 & ~0x20 : $0 }))
        for position in lower.indices {
            for value in 0...255 where UInt8(value) != lower[position] {
                var bytes = lower
                bytes[position] = UInt8(value)
                let sameLetter = (0x61...0x7A).contains(lower[position]) && UInt8(value) == lower[position] & ~0x20
                #expect(equal(bytes) == sameLetter, "byte \(value) at \(position)")
            }
        }
        #expect(!equal(Array(lower.dropLast())))
        #expect(!equal(lower + [0x61]))
    }
}
