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
    /// Per segment of every template: its literal's place in `literalBytes`, or a parameter.
    private let literals: [Literal]
    private let literalBytes: [UInt8]
    /// The most segments a template has: a path with more fits none.
    private let maxSegments: Int

    /// A template segment: `count` bytes of `literalBytes` from `start`, or a parameter (`count` < 0).
    /// Two plain integers: an array of optional ranges was read through its optional at every segment.
    private struct Literal {
        var start: Int
        var count: Int
        static let parameter = Literal(start: 0, count: -1)
    }

    public init(_ templates: [PathTemplate] = []) {
        var segmentRanges: [Range<Int>] = []
        var literals: [Literal] = []
        var literalBytes: [UInt8] = []
        for template in templates {
            let first = literals.count
            for segment in template.segments {
                guard case .literal(let literal) = segment else {
                    literals.append(.parameter)
                    continue
                }
                literals.append(Literal(start: literalBytes.count, count: literal.utf8.count))
                literalBytes += literal.utf8
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
        guard path.first == UInt8(ascii: "/"), start < templates.count else { return nil }
        // `starts` lives on the stack for this call only: where each segment starts, and one past
        // the path's end as if a `/` followed it. One pass; a path with more segments than any
        // template is refused as soon as that is clear, however many slashes it has.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: maxSegments + 1) { starts in
            var count = 0
            for i in path.indices where path[i] == UInt8(ascii: "/") {
                guard count < maxSegments else { return nil }
                starts[count] = i + 1
                count += 1
            }
            starts[count] = path.count + 1
            let segments = PathSegments(bytes: path, starts: UnsafeBufferPointer(rebasing: starts[...count]))
            for t in start..<templates.count where segmentRanges[t].count == count && fits(t, segments) {
                return (t, templates[t].parameters(in: segments))
            }
            return nil
        }
    }

    private func fits(_ template: Int, _ path: PathSegments) -> Bool {
        let first = segmentRanges[template].lowerBound
        // Both buffers are this table's own arrays, read only for this call; `path` has as many
        // segments as the template (checked by the caller), and every literal lies in `bytes`.
        return literals.withUnsafeBufferPointer { literals in
            literalBytes.withUnsafeBufferPointer { bytes in
                for k in 0..<path.count {
                    let literal = literals[first + k]
                    let segmentStart = path.starts[k], segmentCount = path.starts[k + 1] - 1 - segmentStart
                    if literal.count < 0 {
                        guard segmentCount > 0 else { return false }
                        continue
                    }
                    guard segmentCount == literal.count else { return false }
                    for j in 0..<segmentCount where path.bytes[segmentStart + j] != bytes[literal.start + j] {
                        return false
                    }
                }
                return true
            }
        }
    }
}

/// A path's bytes split into segments at its `/`s (the leading one included): valid only inside the
/// `TemplateTable.firstFit` call that makes it, like the buffers it borrows.
struct PathSegments {
    let bytes: UnsafeBufferPointer<UInt8>
    let starts: UnsafeBufferPointer<Int>

    /// How many segments.
    var count: Int { starts.count - 1 }

    /// Segment `k`'s bytes, without its slashes.
    subscript(k: Int) -> Slice<UnsafeBufferPointer<UInt8>> {
        bytes[starts[k] ..< starts[k + 1] - 1]
    }
}
