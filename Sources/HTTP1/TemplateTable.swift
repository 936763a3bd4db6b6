/// A router's path templates, compiled for matching: every template's segments as plain numbers and
/// bytes in a few flat arrays, so that matching a request's path touches no String and no array of
/// one template's (each a reference retained and released for every template tried, on every
/// request). A class, built whole before serving: a request's match retains one reference.
///
/// A path is split at its `/`s once. Only templates with as many segments are compared, segment by
/// segment: a literal byte for byte, a parameter any non-empty segment. Splitting on `/` only, an
/// encoded slash (`%2F`, kept encoded in the path) stays inside its segment.
public final class TemplateTable: Sendable {
    public let templates: [PathTemplate]
    /// Per template, its segments' range in `literals`.
    private let segmentRanges: [Range<Int>]
    /// Per segment of every template: its literal as a range of `literalBytes`, nil for a parameter.
    private let literals: [Range<Int>?]
    private let literalBytes: [UInt8]
    /// The most segments a template has: a path with more fits none.
    private let maxSegments: Int

    public init(_ templates: [PathTemplate] = []) {
        var segmentRanges: [Range<Int>] = []
        var literals: [Range<Int>?] = []
        var literalBytes: [UInt8] = []
        for template in templates {
            let first = literals.count
            for segment in template.segments {
                guard case .literal(let literal) = segment else {
                    literals.append(nil)
                    continue
                }
                let start = literalBytes.count
                literalBytes += literal.utf8
                literals.append(start..<literalBytes.count)
            }
            segmentRanges.append(first..<literals.count)
        }
        self.templates = templates
        self.segmentRanges = segmentRanges
        self.literals = literals
        self.literalBytes = literalBytes
        maxSegments = segmentRanges.map(\.count).max() ?? 0
    }

    /// The first template from index `start` on that `path` fits, and the values its parameters take.
    public func firstFit(_ path: String, from start: Int = 0) -> (template: Int, parameters: PathParameters)? {
        var path = path
        // `bytes` is `path`'s own UTF-8 storage, valid for this closure only; nothing keeps it.
        return path.withUTF8 { bytes in firstFit(bytes, from: start) }
    }

    private func firstFit(_ path: UnsafeBufferPointer<UInt8>, from start: Int) -> (template: Int, parameters: PathParameters)? {
        guard path.first == UInt8(ascii: "/") else { return nil }
        var count = 0
        for byte in path where byte == UInt8(ascii: "/") { count += 1 }
        guard count <= maxSegments, start < templates.count else { return nil }
        // `starts` lives on the stack for this call only: where each segment starts, and one past
        // the path's end as if a `/` followed it.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: count + 1) { starts in
            var k = 0
            for i in path.indices where path[i] == UInt8(ascii: "/") {
                starts[k] = i + 1
                k += 1
            }
            starts[count] = path.count + 1
            let segments = PathSegments(bytes: path, starts: UnsafeBufferPointer(starts))
            for t in start..<templates.count where segmentRanges[t].count == count && fits(t, segments) {
                return (t, templates[t].parameters(in: segments))
            }
            return nil
        }
    }

    private func fits(_ template: Int, _ path: PathSegments) -> Bool {
        for (k, s) in segmentRanges[template].enumerated() {
            let segment = path[k]
            guard let literal = literals[s] else {
                guard !segment.isEmpty else { return false }
                continue
            }
            guard segment.count == literal.count else { return false }
            for j in 0..<literal.count where segment[segment.startIndex + j] != literalBytes[literal.lowerBound + j] {
                return false
            }
        }
        return true
    }
}

/// A path's bytes split into segments at its `/`s (the leading one included): valid only inside the
/// `TemplateTable.firstFit` call that makes it, like the buffers it borrows.
struct PathSegments {
    let bytes: UnsafeBufferPointer<UInt8>
    let starts: UnsafeBufferPointer<Int>

    /// Segment `k`'s bytes, without its slashes.
    subscript(k: Int) -> Slice<UnsafeBufferPointer<UInt8>> {
        bytes[starts[k] ..< starts[k + 1] - 1]
    }
}
