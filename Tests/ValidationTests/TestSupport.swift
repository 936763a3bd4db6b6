#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct FixtureMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "cannot read fixture \(path)" }
}

/// Reads a fixture file without Foundation.
func readFile(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else { throw FixtureMissing(path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

func hexBytes(_ hex: Substring) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8? = nil
    for scalar in hex.unicodeScalars {
        let nibble = UInt8(Int(String(scalar), radix: 16)!)
        if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
    }
    return bytes
}

/// The repository root, found from this file's path (Tests/ValidationTests/…).
func repositoryRoot(_ filePath: String = #filePath) -> String {
    "/" + filePath.split(separator: "/").dropLast(3).joined(separator: "/")
}

/// A small deterministic generator (SplitMix64), so property tests replay the same inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
