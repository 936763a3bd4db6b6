import Dispatch
import Glibc
import Inference
import Logging
import Synchronization

/// Turns the command line into a running server: logging, the model, routes, the socket, signals,
/// and systemd's protocols (socket activation, readiness, watchdog) when systemd runs us.
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

        if let saveModelPath {
            let start = monotonicSeconds()
            let model = TreeModel.trainReference()
            do {
                try ModelFiles.write(model.modelFileJSON(), to: saveModelPath)
            } catch {
                logger.critical("\(error)")
                return 1
            }
            logger.info("trained the reference model in \(Int((monotonicSeconds() - start) * 1000)) ms and wrote \(saveModelPath)")
            return 0
        }

        // A model file is checked completely before serving: a bad file is one clear error and a
        // non-zero exit, never a half-loaded model. The built-in model trains after the socket is
        // up (readyz says 503 meanwhile), as a model that downloads or loads slowly would.
        let store = ModelStore()
        let summary: ModelSummary
        var fileModel: TreeModel?
        if let modelPath {
            do {
                let model = try TreeModel(modelFile: try ModelFiles.read(modelPath))
                summary = ModelSummary(model)
                fileModel = model
            } catch {
                logger.critical("cannot load model \(modelPath): \(error)")
                return 1
            }
        } else {
            summary = ModelSummary(estimator: TreeModel.Estimator.gradientBoosting.rawValue,
                                   featureCount: BostonHousing.featureCount,
                                   featureNames: BostonHousing.featureNames,
                                   treeCount: GradientBoostingTrainer().stageCount)
        }

        let metrics = MetricsRegistry(model: summary)
        let routes = EvserveRoutes(summary: summary, store: store, metrics: metrics)
        let notifier = SystemdNotifier()
        let readiness = ReadinessGate { notifier?.notify("READY=1\nSTATUS=serving \(summary.estimator) on port \(configuration.port)") }
        var hooks = Server.Hooks()
        hooks.onServing = { readiness.mark(.serving) }
        hooks.onDrain = {
            store.markDraining()
            _ = notifier?.notify("STOPPING=1\nSTATUS=draining")
        }
        if let notifier, let interval = notifier.watchdogInterval {
            hooks.heartbeat = (interval, { _ = notifier.notify("WATCHDOG=1") })
        }

        let inherited = SocketActivation.inheritedListeners()
        let server: Server
        do {
            server = try Server(configuration: configuration, router: routes.router(), observer: metrics,
                                logger: logger, inheritedFD: inherited.first, hooks: hooks)
        } catch {
            logger.critical("cannot listen: \(error)")
            return 1
        }
        let origin = inherited.isEmpty ? "" : " (socket from systemd)"
        logger.info("listening on http://\(configuration.host):\(server.port)\(origin), workers: \(configuration.workers)")

        if fileModel == nil && !inherited.isEmpty {
            // systemd holds the socket while we start, so connections simply wait in its backlog:
            // train before serving, and a restart is invisible to clients (no 503s).
            fileModel = TreeModel.trainReference()
        }
        if let fileModel {
            store.install(fileModel)
            readiness.mark(.modelLoaded)
            logger.info("serving \(summary.estimator) from \(modelPath ?? "the built-in training run"); ready")
        } else {
            DispatchQueue.global().async {
                let start = monotonicSeconds()
                let model = TreeModel.trainReference()
                store.install(model)
                readiness.mark(.modelLoaded)
                logger.info("trained the reference model in \(Int((monotonicSeconds() - start) * 1000)) ms; ready")
            }
        }
        server.run()
        logger.info("stopped")
        return 0
    }
}

/// systemd's READY=1 goes out once both the socket is served and the model is loaded,
/// whichever happens last.
final class ReadinessGate: Sendable {
    enum Condition { case serving, modelLoaded }

    private let state = Mutex<(serving: Bool, loaded: Bool, announced: Bool)>((false, false, false))
    private let announce: @Sendable () -> Void

    init(announce: @escaping @Sendable () -> Void) { self.announce = announce }

    func mark(_ condition: Condition) {
        let now = state.withLock { s -> Bool in
            if condition == .serving { s.serving = true } else { s.loaded = true }
            guard s.serving && s.loaded && !s.announced else { return false }
            s.announced = true
            return true
        }
        if now { announce() }
    }
}
