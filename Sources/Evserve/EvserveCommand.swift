import ArgumentParser
import Glibc
import Logging

/// `evserve`: the command line, modelled on uvicorn's flags where one exists.
@main
struct EvserveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evserve",
        abstract: "Serve tree-ensemble models over HTTP: POST /predict, the Open Inference Protocol (/v2), docs at /docs.",
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

    @Option(help: "Serve this model file (evserve.trees JSON, see docs/model-format.md), named after the file without its extension.")
    var model: String?

    @Option(help: "Serve every model of this repository: DIR/<model>/<version>/<one model file>, versions positive integers (Triton's layout); the highest version answers unless a request names one. SIGHUP rescans it.")
    var modelRepository: String?

    @Option(help: "The model the FastAPI-style routes (/, /predict, /predict_proba) serve; default: the only model, or the first by name.")
    var defaultModel: String?

    @Option(help: "none: the repository's load and unload routes answer 403; explicit: they load and unload models (as Triton's --model-control-mode).")
    var modelControl: ModelControl = .none

    @Option(help: "Address of the admin listener (with --admin-port).")
    var adminHost = "127.0.0.1"

    @Option(help: "Serve the repository API and /metrics on this port instead of the main one; 0 picks a free port (logged).")
    var adminPort: Int?

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
        if let adminPort, !(0...65535).contains(adminPort) { throw ValidationError("--admin-port must be 0...65535") }
        if model != nil && modelRepository != nil { throw ValidationError("--model and --model-repository exclude each other") }
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
        var launcher = Launcher(configuration: configuration, logLevel: logLevel, modelPath: model,
                                saveModelPath: saveModel)
        launcher.repositoryPath = modelRepository
        launcher.defaultModel = defaultModel
        launcher.explicitControl = modelControl == .explicit
        launcher.admin = adminPort.map { (adminHost, $0) }
        let status = launcher.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `--model-control`: whether HTTP may change which models are served.
enum ModelControl: String, ExpressibleByArgument, CaseIterable {
    case none, explicit
}
