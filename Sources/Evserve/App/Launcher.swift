import Dispatch
import Glibc
import Inference
import Logging

/// Turns the command line into a running server, in named steps: logging, the model (file or
/// built-in), the routes, the socket (bound here or inherited from systemd), systemd's readiness
/// and watchdog hooks, then serving until drained.
struct Launcher {
    var configuration: ServerConfiguration
    var logLevel: Logger.Level
    var modelPath: String?
    var saveModelPath: String?

    /// Runs to completion; returns the process exit status.
    func run() -> Int32 {
        let logger = Self.startLogging(level: logLevel)
        // Writes use MSG_NOSIGNAL, but any other write to a closed peer must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        if let saveModelPath { return Self.saveReferenceModel(to: saveModelPath, logger: logger) }

        let fileModel: TreeModel?
        do {
            fileModel = try modelPath.map(Self.loadModelFile)
        } catch {
            logger.critical("cannot load model \(modelPath ?? ""): \(error)")
            return 1
        }
        let summary = fileModel.map(ModelSummary.init) ?? .referenceModel
        let store = ModelStore()
        let metrics = MetricsRegistry(model: summary)
        let router = Router(EvserveRoutes(summary: summary, store: store, metrics: metrics,
                                          modelName: modelPath.map(V2ModelRegistry.modelName(fromFile:)) ?? V2ModelRegistry.referenceModelName).table)
        metrics.declare(routes: router.paths + [Router.unmatched])

        let inherited = SocketActivation.inheritedListeners()
        let systemd = SystemdHooks(notifier: SystemdNotifier(), store: store, summary: summary)
        let server: Server
        do {
            server = try Server(configuration: configuration, router: router, observer: metrics,
                                logger: logger, inheritedFD: inherited.first, hooks: systemd.hooks)
        } catch {
            logger.critical("cannot listen: \(error)")
            return 1
        }
        systemd.listening(on: server.port)
        let origin = inherited.isEmpty ? "" : " (socket from systemd)"
        logger.info("listening on http://\(configuration.host):\(server.port)\(origin), workers: \(configuration.workers)")

        if let fileModel {
            install(fileModel, into: store, systemd: systemd)
            logger.info("serving \(summary.estimator) from \(modelPath ?? ""); ready")
        } else if !inherited.isEmpty {
            // systemd holds the socket while we start, so connections simply wait in its backlog:
            // train before serving, and a restart is invisible to clients (no 503s).
            install(Self.trainReferenceModel(logger: logger), into: store, systemd: systemd)
        } else {
            // The socket is up first and /readyz answers 503 while the model trains, as a model
            // that downloads or loads slowly would.
            DispatchQueue.global().async {
                install(Self.trainReferenceModel(logger: logger), into: store, systemd: systemd)
            }
        }
        server.run()
        logger.info("stopped")
        return 0
    }

    // MARK: - Steps

    private static func startLogging(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "evserve")
    }

    /// `--save-model`: train the reference model, write it, exit.
    private static func saveReferenceModel(to path: String, logger: Logger) -> Int32 {
        let model = trainReferenceModel(logger: logger)
        do {
            try ModelFiles.write(model.modelFileJSON(), to: path)
        } catch {
            logger.critical("\(error)")
            return 1
        }
        logger.info("wrote \(path)")
        return 0
    }

    /// A model file is checked completely before serving: a bad file is one clear error and a
    /// non-zero exit, never a half-loaded model.
    private static func loadModelFile(_ path: String) throws -> TreeModel {
        try TreeModel(anyModelFile: try ModelFiles.read(path))
    }

    private static func trainReferenceModel(logger: Logger) -> TreeModel {
        let start = MonotonicClock.seconds()
        let model = TreeModel.trainReference()
        logger.info("trained the reference model in \(Int((MonotonicClock.seconds() - start) * 1000)) ms")
        return model
    }

    private func install(_ model: TreeModel, into store: ModelStore, systemd: SystemdHooks) {
        store.install(model)
        systemd.readiness.mark(.modelLoaded)
    }
}

extension ModelSummary {
    /// The built-in model, described before it has trained (its shape is fixed by the trainer).
    static let referenceModel = ModelSummary(
        estimator: TreeModel.Estimator.gradientBoosting.rawValue, featureCount: BostonHousing.featureCount,
        featureNames: BostonHousing.featureNames, treeCount: GradientBoostingTrainer().stageCount)
}
