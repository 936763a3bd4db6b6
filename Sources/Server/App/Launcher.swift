import Glibc
import Logging

/// Turns the command line into a running server: logging, the model, routes, the socket, signals.
struct Launcher {
    var configuration: ServerConfiguration
    var logLevel: Logger.Level
    var modelPath: String?
    var saveModelPath: String?

    /// Runs to completion; returns the process exit status.
    func run() -> Int32 {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "evserve")
        // Writes use MSG_NOSIGNAL, but any other write to a closed peer must not kill the process.
        signal(SIGPIPE, SIG_IGN)

        let routes = EvserveRoutes()
        let server: Server
        do {
            server = try Server(configuration: configuration, router: routes.router(), observer: nil, logger: logger)
        } catch {
            logger.critical("cannot listen: \(error)")
            return 1
        }
        logger.info("listening on http://\(configuration.host):\(server.port) (workers: \(configuration.workers))")
        server.run()
        logger.info("stopped")
        return 0
    }
}
