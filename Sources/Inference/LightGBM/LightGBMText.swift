/// LightGBM's text model (`Booster.save_model`) split into its parts, before any meaning is given
/// to them: the header's `key=value` lines, then one `key=value` table per `Tree=i` block, up to
/// `end of trees`. Everything after (importances, parameters) is not needed for prediction.
struct LightGBMText {
    var header: [Substring: Substring] = [:]
    /// Bare header lines (`average_output`).
    var headerFlags: Set<Substring> = []
    var trees: [[Substring: Substring]] = []

    init(_ bytes: [UInt8]) throws(ModelFileError) {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        guard let first = lines.next(), first.trimmingCarriageReturn == "tree" else {
            throw Self.failure("the first line is not \"tree\"")
        }
        var current: [Substring: Substring]? = nil
        var lineNumber = 1
        var ended = false
        while let rawLine = lines.next() {
            lineNumber += 1
            let line = rawLine.trimmingCarriageReturn
            if line == "end of trees" {
                ended = true
                break
            }
            if line.hasPrefix("Tree=") {
                if let current { trees.append(current) }
                guard Int(line.dropFirst(5)) == trees.count else {
                    throw Self.failure("line \(lineNumber): expected Tree=\(trees.count)")
                }
                current = [:]
                continue
            }
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                if current == nil {
                    headerFlags.insert(line)
                    continue
                }
                throw Self.failure("line \(lineNumber): expected key=value in Tree=\(trees.count)")
            }
            let key = line[..<equals], value = line[line.index(after: equals)...]
            if current != nil {
                guard current![key] == nil else { throw Self.failure("line \(lineNumber): \(key) appears twice in Tree=\(trees.count)") }
                current![key] = value
            } else {
                header[key] = value
            }
        }
        if let current { trees.append(current) }
        guard ended else { throw Self.failure("no \"end of trees\" line (the file is truncated?)") }
    }

    static func failure(_ reason: String) -> ModelFileError {
        .malformed(format: "LightGBM model", reason: reason)
    }
}

extension Substring {
    var trimmingCarriageReturn: Substring {
        last == "\r" ? dropLast() : self
    }
}
