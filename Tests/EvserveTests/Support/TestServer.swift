import Dispatch
import Glibc
import Logging
@testable import Evserve

/// A real evserve server core on a free loopback port, running on its own loop thread inside the
/// test process, with routes chosen by the test.
final class TestServer: Sendable {
    let server: Server
    private let thread: LoopThread

    var port: Int { server.port }

    init(configure: (inout ServerConfiguration) -> Void = { _ in },
         routes: (inout Router) -> Void = TestServer.standardRoutes,
         observer: (any ServerObserver)? = nil) throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.handleSignals = false  // signals belong to the test runner
        configure(&configuration)
        var router = Router()
        routes(&router)
        var logger = Logger(label: "evserve-test")
        logger.logLevel = .critical
        let server = try Server(configuration: configuration, router: router, observer: observer, logger: logger)
        self.server = server
        thread = LoopThread { server.run() }
    }

    /// Drains the server and waits for its loop thread to end.
    func stop() {
        server.shutdown()
        thread.join()
    }

    /// `GET /` answers inline; `GET /job?ms=N&id=X` runs on the job queue for N ms and answers X.
    static func standardRoutes(_ router: inout Router) {
        router.add(.get, "/") { _ in .respond(.json(#""index""#)) }
        router.add(.post, "/echo") { request in .respond(HTTPResponse(status: 200, contentType: "application/octet-stream", body: request.body)) }
        router.add(.get, "/job") { request in
            let query = parseQuery(request.target)
            let milliseconds = Int(query["ms"] ?? "0") ?? 0
            let id = query["id"] ?? ""
            return .offload {
                // The job's work: a deliberately slow job, not a wait for anything.
                if milliseconds > 0 { usleep(useconds_t(milliseconds * 1000)) }
                return .json(Array("\"\(id)\"".utf8))
            }
        }
    }

    static func parseQuery(_ target: String) -> [String: String] {
        guard let q = target.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in target[target.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}
