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
    static func start(_ arguments: [String] = [], descriptorLimit: Int? = nil) throws -> (Process, Int, Pipe) {
        let process = Process()
        if let descriptorLimit {
            // The shell lowers the limit for evserve alone, not for the test process.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", binary.path, "--port", "0"] + arguments
        } else {
            process.executableURL = binary
            process.arguments = ["--port", "0"] + arguments
        }
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
        try idle.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
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

    /// Out of file descriptors, evserve sheds the connections it cannot hold instead of spinning on
    /// accept, logs it, and serves again as soon as descriptors free up.
    @Test func outOfDescriptorsDoesNotSpin() throws {
        let (process, port, log) = try Self.start(descriptorLimit: 40)
        defer { process.terminate(); process.waitUntilExit() }
        try Self.waitUntilReady(port: port)  // training uses the CPU; measure the loop alone
        var clients: [TestClient] = []
        for _ in 0..<60 { if let client = try? TestClient(port: port, receiveTimeout: 2) { clients.append(client) } }
        let before = Self.cpuTicks(process.processIdentifier)
        usleep(1_000_000)
        let spent = Self.cpuTicks(process.processIdentifier) - before
        #expect(spent < 30, "the loop used \(spent) of 100 ticks in a second")
        clients.removeAll()  // frees the server's descriptors
        usleep(200_000)
        if process.isRunning == false {
            Issue.record("evserve died: \(String(decoding: log.fileHandleForReading.availableData, as: UTF8.self))")
            return
        }
        let client = try TestClient(port: port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        process.terminate()
        process.waitUntilExit()
        let text = String(decoding: log.fileHandleForReading.availableData, as: UTF8.self)
        #expect(text.contains("out of file descriptors"))
    }

    static func waitUntilReady(port: Int) throws {
        for _ in 0..<200 {
            let client = try TestClient(port: port)
            try client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
            if try client.readResponse().status == 200 { return }
            usleep(50_000)
        }
        throw TestClient.Failure(description: "evserve never became ready")
    }

    /// utime + stime of a process, in clock ticks (100 per second).
    static func cpuTicks(_ pid: Int32) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// `--access-log` writes one line per request: method, target as sent, status, duration.
    @Test func accessLogNamesEachRequest() throws {
        let (process, port, log) = try Self.start(["--access-log"])
        let client = try TestClient(port: port)
        try client.send("GET /nowhere?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 404)
        process.terminate()
        process.waitUntilExit()
        let text = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("GET /nowhere?x=1 404 "))
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
