// Helpers the test suites share: reading committed fixtures without Foundation, and a seeded
// random generator so that property tests replay the same inputs on every run.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct FixtureMissing: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "cannot read fixture \(path)" }
}

/// Reads a whole fixture file as bytes.
public func readBytes(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw FixtureMissing(path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return bytes
}

/// Reads a whole fixture file as UTF-8 text.
public func readFile(_ path: String) throws -> String {
    String(decoding: try readBytes(path), as: UTF8.self)
}

/// Bytes from a hex string ("7b7d" -> `{}`), as the TSV fixtures store raw bodies.
public func hexBytes(_ hex: Substring) -> [UInt8] {
    var bytes: [UInt8] = []
    var high: UInt8? = nil
    for scalar in hex.unicodeScalars {
        let nibble = UInt8(Int(String(scalar), radix: 16)!)
        if let h = high { bytes.append(h << 4 | nibble); high = nil } else { high = nibble }
    }
    return bytes
}

/// The repository root, found from a test file's path (Tests/<Suite>/<File>.swift).
public func repositoryRoot(_ filePath: String = #filePath) -> String {
    "/" + filePath.split(separator: "/").dropLast(3).joined(separator: "/")
}

/// A small deterministic generator (SplitMix64), so a failing random case can be rerun.
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
