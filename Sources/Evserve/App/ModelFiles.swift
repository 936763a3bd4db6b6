import Glibc
import Inference

/// Whole-file reads and writes for model files, with errno's text on failure.
enum ModelFiles {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads and checks a model file completely: the one function every model load goes through
    /// (`--model`, the repository, reloads), so a new file format is added here once. A bad file
    /// is one error that says why, never a half-loaded model. Reads files: not on a loop thread.
    static func load(_ path: String) throws -> TreeModel {
        try TreeModel(anyModelFile: try read(path))
    }

    static func read(_ path: String) throws(Failure) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count {
                if ferror(file) != 0 { throw Failure(description: "cannot read \(path)") }
                return bytes
            }
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        guard let file = fopen(path, "wb") else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else { throw Failure(description: "cannot write \(path)") }
    }
}
