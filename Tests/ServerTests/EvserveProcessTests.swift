import Foundation
import Testing

/// The real `evserve` binary as an operator runs it: started as a process, stopped with a signal.
@Suite("evserve process (live)")
struct EvserveProcessTests {
    /// The binary `swift build` put next to this package's build products.
    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/evserve")
    }

    /// Starts evserve on a free port and returns the process and its port (read from its log).
    static func start(_ arguments: [String] = []) throws -> (Process, Int, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["--port", "0"] + arguments
        let log = Pipe()
        process.standardError = log
        try process.run()
        var seen = ""
        let handle = log.fileHandleForReading
        while !seen.contains("listening on") {
            let data = handle.availableData
            guard !data.isEmpty else { break }
            seen += String(decoding: data, as: UTF8.self)
        }
        guard let range = seen.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let port = Int(seen[range].split(separator: ":").last!) else {
            process.terminate()
            throw TestClient.Failure(description: "no port in log: \(seen)")
        }
        return (process, port, log)
    }

    /// SIGTERM while a request is still arriving: that request is answered (with Connection: close),
    /// idle connections are closed, and the process exits with status 0.
    @Test func sigtermAnswersInFlightRequestsAndExitsZero() throws {
        let (process, port, _) = try Self.start()
        let busy = try TestClient(port: port)
        let idle = try TestClient(port: port)
        try idle.send("GET /healthz HTTP/1.1\r\n\r\n")
        #expect(try idle.readResponse().status == 200)
        // Half a request in flight when the signal arrives.
        try busy.send("GET / HTTP/1.1\r\nHost: t\r\n")
        usleep(100_000)
        kill(process.processIdentifier, SIGTERM)
        usleep(100_000)
        try busy.send("\r\n")
        let response = try busy.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        #expect(try idle.waitsForClose())
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    /// `--help` documents every flag.
    @Test func helpListsTheFlags() throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["--help"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        for flag in ["--host", "--port", "--workers", "--model", "--save-model", "--log-level", "--access-log",
                     "--max-body-size", "--request-timeout", "--keep-alive-timeout", "--graceful-timeout", "--max-connections"] {
            #expect(text.contains(flag), "\(flag) missing from --help")
        }
    }
}
