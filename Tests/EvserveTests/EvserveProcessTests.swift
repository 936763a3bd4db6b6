import Foundation
import Synchronization
import Testing

/// The real `evserve` binary as an operator runs it: started as a process, stopped with a signal.
@Suite("evserve process (live)")
struct EvserveProcessTests {
    /// The binary under test: $EVSERVE_BIN (a build with its own --scratch-path, e.g. the sanitizer
    /// builds of `make check-sanitizers`), else the one `swift build` put in this package's .build.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["EVSERVE_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/evserve")
    }

    /// Starts evserve on a free port and returns the process, its port (read from its log) and its log.
    static func start(_ arguments: [String] = [], descriptorLimit: Int? = nil) throws -> (Process, Int, ProcessLog) {
        let process = Process()
        if let descriptorLimit {
            // The shell lowers the limit for evserve alone, not for the test process.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", binary.path, "--port", "0"] + arguments
        } else {
            process.executableURL = binary
            process.arguments = ["--port", "0"] + arguments
        }
        let pipe = Pipe()
        process.standardError = pipe
        try process.run()
        let log = ProcessLog(pipe)
        try? waitUntil("evserve to log its address") { log.text.contains("listening on") || log.ended }
        let seen = log.text
        guard let range = seen.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
              let port = Int(seen[range].split(separator: ":").last!) else {
            process.terminate()
            throw TestClient.Failure(description: "no port in log: \(seen)")
        }
        return (process, port, log)
    }

    /// Waits for the process to exit, failing after `timeout` seconds instead of hanging the suite.
    static func waitForExit(_ process: Process, timeout: Double = 10) throws {
        try waitUntil("evserve to exit", timeout: timeout) { !process.isRunning }
        process.waitUntilExit()
    }

    /// SIGTERM while a request is still arriving: that request is answered (with Connection: close),
    /// idle connections are closed, and the process exits with status 0.
    @Test func sigtermAnswersInFlightRequestsAndExitsZero() throws {
        let (process, port, _) = try Self.start()
        defer { if process.isRunning { process.terminate() } }
        let busy = try TestClient(port: port)
        let idle = try TestClient(port: port)
        try idle.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse().status == 200)
        // Half a request in flight when the signal arrives. The kernel's table shows when evserve
        // has read it: the client's end has nothing unacknowledged, evserve's end nothing unread.
        try busy.send("GET / HTTP/1.1\r\nHost: t\r\n")
        try waitUntil("evserve to read the half request") {
            KernelQueues.ofSocket(localPort: busy.localPort, remotePort: port)?.unsent == 0
                && KernelQueues.ofSocket(localPort: port, remotePort: busy.localPort)?.unread == 0
        }
        kill(process.processIdentifier, SIGTERM)
        // The drain's first act closes idle connections: the idle client's end of file says it began.
        #expect(try idle.waitsForClose())
        try busy.send("\r\n")
        let response = try busy.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        try Self.waitForExit(process)
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
        for _ in 0..<60 { if let client = try? TestClient(port: port, timeout: 2) { clients.append(client) } }
        try waitUntil("evserve to run out of descriptors") { log.text.contains("out of file descriptors") }
        // Something that must not happen (spinning) needs a window of time; it is measured as CPU
        // demand (running plus waiting to run), so a busy machine cannot hide a spinning loop, and
        // an idle loop passes however slow the machine.
        let start = monotonicNow()
        let before = try #require(Self.cpuDemand(process.processIdentifier))
        usleep(1_000_000)
        let demand = try #require(Self.cpuDemand(process.processIdentifier)) - before
        let window = monotonicNow() - start
        #expect(demand < 0.3 * window, "evserve wanted the CPU for \(demand) s of \(window) s")
        clients.removeAll()  // frees the server's descriptors
        try waitUntil("evserve to serve again", timeout: 20) {
            guard process.isRunning else { throw TestClient.Failure(description: "evserve died: \(log.text)") }
            // Until descriptors are free, a new connection is accepted and shed: try again.
            guard let client = try? TestClient(port: port, timeout: 1) else { return false }
            return (try? client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")) != nil && (try? client.readResponse())?.status == 200
        }
    }

    /// A storm of SIGHUPs while a reload runs costs one more reload, not one per signal (each queued
    /// reload used to hold a job-queue thread blocked on the updater's lock; `make soak` found it).
    @Test func sighupStormFoldsIntoFewReloads() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evserve-storm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The reference model: large enough (~600 KB) that a debug build reads it for a good while.
        let model = folder.appendingPathComponent("reference.json")
        let save = Process()
        save.executableURL = Self.binary
        save.arguments = ["--save-model", model.path]
        save.standardError = FileHandle.nullDevice
        try save.run()
        save.waitUntilExit()
        #expect(save.terminationStatus == 0)
        let (process, port, log) = try Self.start(["--model", model.path])
        defer { process.terminate(); process.waitUntilExit() }
        try Self.waitUntilReady(port: port)
        func loads() -> Int { log.text.components(separatedBy: "loaded from").count - 1 }
        #expect(loads() == 1)
        for _ in 0..<20 {
            kill(process.processIdentifier, SIGHUP)
            usleep(10_000)
        }
        // At least one reload (on a loaded machine the first can take longer than the quiet second
        // below), then quiet: no new load for a second.
        try waitUntil("the first reload", timeout: 60) { loads() >= 2 }
        var seen = loads(), quietSince = monotonicNow()
        try waitUntil("reloads to stop", timeout: 60) {
            if loads() != seen { (seen, quietSince) = (loads(), monotonicNow()) }
            return monotonicNow() - quietSince > 1.0
        }
        let reloads = loads() - 1
        #expect(reloads >= 1)
        #expect(reloads <= 3, "20 SIGHUPs made \(reloads) reloads")
        #expect(process.isRunning)
    }

    static func waitUntilReady(port: Int) throws {
        try waitUntil("evserve to become ready", timeout: 60) {
            let client = try TestClient(port: port)
            try client.send("GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
            return try client.readResponse().status == 200
        }
    }

    /// Seconds the threads of a process have run or waited to run (/proc/PID/task/TID/schedstat:
    /// nanoseconds on the CPU, then nanoseconds runnable in a queue).
    static func cpuDemand(_ pid: Int32) -> Double? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return nil }
        var nanoseconds = 0
        for task in tasks {
            // A thread may end between the listing and the read: it then adds nothing.
            guard let stat = readProcFile("/proc/\(pid)/task/\(task)/schedstat") else { continue }
            let fields = stat.split(separator: " ")
            if fields.count >= 2 { nanoseconds += (Int(fields[0]) ?? 0) + (Int(fields[1]) ?? 0) }
        }
        return Double(nanoseconds) / 1e9
    }

    /// `--access-log` writes one line per request: method, target as sent, status, duration.
    @Test func accessLogNamesEachRequest() throws {
        let (process, port, log) = try Self.start(["--access-log"])
        defer { if process.isRunning { process.terminate() } }
        let client = try TestClient(port: port)
        try client.send("GET /nowhere?x=1 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 404)
        process.terminate()
        try Self.waitForExit(process)
        try waitUntil("the log to end") { log.ended }
        #expect(log.text.contains("GET /nowhere?x=1 404 "))
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

/// Everything a child process writes to a pipe, collected as it arrives by a reader thread, so a
/// test can wait for a line without blocking on the pipe.
final class ProcessLog: Sendable {
    private let state = Mutex<(text: String, ended: Bool)>(("", false))

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                state.withLock { $0.text += String(decoding: data, as: UTF8.self) }
            }
            state.withLock { $0.ended = true }
        }
    }

    var text: String { state.withLock { $0.text } }
    /// True once the process closed its end (it exited).
    var ended: Bool { state.withLock { $0.ended } }
}
