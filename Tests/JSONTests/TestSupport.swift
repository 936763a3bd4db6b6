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
