// ParserBench: what framing one request costs, in nanoseconds, release build: `make bench-parser`.
// A typical POST /predict (wrk's head, the README's 2x13 JSON body) and a bare GET /, 64 copies
// pipelined in one buffer, fed as a connection would: one request out per call, then the rest.
import Glibc
import HTTP1

let predictBody = #"{"X": [[0.00632, 18.0, 2.31, 0.0, 0.538, 6.575, 65.2, 4.09, 1.0, 296.0, 15.3, 396.9, 4.98], "#
    + #"[0.02731, 0.0, 7.07, 0.0, 0.469, 6.421, 78.9, 4.9671, 2.0, 242.0, 17.8, 396.9, 9.14]]}"#
let predict = "POST /predict HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nContent-Type: application/json\r\n"
    + "Content-Length: \(predictBody.utf8.count)\r\n\r\n" + predictBody
let index = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"
let copies = 64

func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

/// Nanoseconds per request: the median of 7 runs, each long enough (~0.1 s) to swamp timer cost.
/// `parseAll` parses the whole buffer and returns how many requests came out.
func measure(_ name: String, _ parseAll: () -> Int) {
    var rounds = 1
    var sink = 0
    while true {
        let start = monotonicNanoseconds()
        for _ in 0..<rounds { sink &+= parseAll() }
        if monotonicNanoseconds() - start > 20_000_000 { break }
        rounds *= 2
    }
    rounds *= 4
    var samples: [Double] = []
    for _ in 0..<7 {
        let start = monotonicNanoseconds()
        for _ in 0..<rounds { sink &+= parseAll() }
        samples.append(Double(monotonicNanoseconds() - start) / Double(rounds * copies))
    }
    guard parseAll() == copies else { fatalError("a request went missing") }
    let median = samples.sorted()[samples.count / 2]
    let padded = name.padding(toLength: 48)
    print("\(padded) \(Int(median.rounded())) ns/request" + (sink == 42 ? " " : ""))
}

extension String {
    func padding(toLength length: Int) -> String { self + String(repeating: " ", count: max(0, length - count)) }
}

/// Feeds `buffer` as a connection does: after each request, the rest of the buffer.
func parseAllNew(_ buffer: [UInt8], _ parser: RequestParser) -> Int {
    buffer.withUnsafeBytes { bytes in
        var rest = bytes
        var count = 0
        while !rest.isEmpty {
            guard case .request(let request, let consumed) = parser.feed(rest) else { fatalError("not parsed") }
            count += request.body.count >= 0 ? 1 : 0
            rest = UnsafeRawBufferPointer(rebasing: rest[consumed...])
        }
        return count
    }
}

for (name, text) in [("POST /predict (2x13 JSON)", predict), ("GET /", index)] {
    let buffer = Array(String(repeating: text, count: copies).utf8)
    print("\(name): \(text.utf8.count) bytes a request, \(copies) pipelined")
    let strict = RequestParser(maxHeadSize: 16 * 1024, maxBodySize: 1 << 20)
    measure("  HTTP1.RequestParser (Swift, strict)") { parseAllNew(buffer, strict) }
}
