import ArgumentParser
import Glibc
import Logging

/// `evserve`: the command line, modelled on uvicorn's flags where one exists.
@main
struct EvserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evserve",
        abstract: "Serve a tree-ensemble regression model over HTTP: POST /predict, docs at /docs.",
        discussion: """
            Without --model, evserve trains its reference model (scikit-learn's \
            GradientBoostingRegressor on the Boston housing data) at start-up.
            """)

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to bind; 0 picks a free port (logged at start-up).")
    var port = 8000

    @Option(help: "Event-loop threads serving the port.")
    var workers = 1

    @Option(help: "Serve this model file (evserve.trees JSON, see docs/model-format.md).")
    var model: String?

    @Option(help: "Train the reference model, write it to this file and exit.")
    var saveModel: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Flag(inversion: .prefixedNo, help: "Log one line per request.")
    var accessLog = false

    @Option(help: "Largest request body in bytes (larger: 413).")
    var maxBodySize = 1 << 20

    @Option(help: "Seconds a request may take to arrive completely (else 408); also how long a response may wait for a client that does not read it (then the connection closes).")
    var requestTimeout = 10.0

    @Option(help: "Seconds an idle keep-alive connection stays open.")
    var keepAliveTimeout = 5.0

    @Option(help: "Seconds to finish in-flight requests after SIGTERM/SIGINT before exiting.")
    var gracefulTimeout = 30.0

    @Option(help: "Open connections beyond which new ones wait in the listen backlog.")
    var maxConnections = 10_000

    @Option(help: "Listen backlog.")
    var backlog: Int32 = 2048

    mutating func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard maxBodySize >= 0, maxConnections >= 1 else { throw ValidationError("limits must be positive") }
        guard requestTimeout > 0, keepAliveTimeout > 0, gracefulTimeout >= 0 else {
            throw ValidationError("timeouts must be positive")
        }
    }

    func run() throws {
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.workers = workers
        configuration.backlog = backlog
        configuration.maxBodySize = maxBodySize
        configuration.requestTimeout = requestTimeout
        configuration.writeTimeout = requestTimeout
        configuration.keepAliveTimeout = keepAliveTimeout
        configuration.gracefulTimeout = gracefulTimeout
        configuration.maxConnections = maxConnections
        configuration.accessLog = accessLog
        let status = Launcher(configuration: configuration, logLevel: logLevel, modelPath: model,
                              saveModelPath: saveModel).run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
