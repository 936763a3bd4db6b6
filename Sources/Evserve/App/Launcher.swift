import Dispatch
import Glibc
import Inference
import Logging

/// Turns the command line into a running server, in named steps: logging, the models (a
/// repository, a file, or the built-in one), the routes, the sockets (bound here or inherited from
/// systemd; the admin socket if asked for), systemd's readiness, reload and watchdog hooks, then
/// serving until drained.
struct Launcher {
    var configuration: ServerConfiguration
    var logLevel: Logger.Level
    var modelPath: String?
    var saveModelPath: String?
    /// `--model-repository DIR`.
    var repositoryPath: String?
    /// `--default-model NAME`: what the FastAPI-style routes serve.
    var defaultModel: String?
    /// `--model-control explicit`.
    var explicitControl = false
    /// `--admin-host`/`--admin-port`: the repository API and /metrics on their own socket.
    var admin: (host: String, port: Int)?

    /// The name of the built-in reference model (the one trained at start-up without a model).
    static let referenceModelName = "reference"

    /// Runs to completion; returns the process exit status.
    func run() -> Int32 {
        let logger = Self.startLogging(level: logLevel)
        // Writes use MSG_NOSIGNAL, but any other write to a closed peer must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        if let saveModelPath { return Self.saveReferenceModel(to: saveModelPath, logger: logger) }

        let source: ModelSource
        let defaultName: String
        switch chooseModels(logger: logger) {
        case .failure(let message):
            logger.critical("\(message)")
            return 1
        case .success(let (chosen, name)):
            (source, defaultName) = (chosen, name)
        }
        let store = ModelStore(defaultModelName: defaultName)
        let metrics = MetricsRegistry()
        let updater = ModelUpdater(source: source, store: store, metrics: metrics, logger: logger)
        // Models from files are loaded completely before serving: a bad file is one clear error and a
        // non-zero exit, never a half-loaded server. (Later reloads keep what serves instead.)
        if case .builtIn = source {
            updater.markLoading(defaultName)
        } else {
            let failures = updater.rescan()
            if !failures.isEmpty {
                logger.critical("cannot start: \(failures.joined(separator: "; "))")
                return 1
            }
        }
        let summary = store.defaultModel?.summary ?? .referenceModel

        var routes = EvserveRoutes(summary: summary, store: store, metrics: metrics)
        routes.updater = updater
        routes.explicitControl = explicitControl
        routes.separateAdmin = admin != nil
        let router = Router(routes.table)
        let adminRouter = admin.map { _ in Router(routes.adminTable) }
        metrics.declare(routes: router.paths + (adminRouter?.paths ?? []) + [Router.unmatched])

        let inherited = SocketActivation.inheritedListeners()
        let systemd = SystemdHooks(notifier: SystemdNotifier(), store: store, summary: summary)
        var hooks = systemd.hooks
        hooks.onReload = {
            systemd.reloading()
            let failures = updater.rescan()
            systemd.reloaded(failures: failures.count)
        }
        let server: Server
        do {
            server = try Server(configuration: configuration, router: router, observer: metrics,
                                logger: logger, inheritedFD: inherited.first, hooks: hooks,
                                admin: admin.map { Server.AdminListener(host: $0.host, port: $0.port, router: adminRouter!) })
        } catch {
            logger.critical("cannot listen: \(error)")
            return 1
        }
        systemd.listening(on: server.port)
        let origin = inherited.isEmpty ? "" : " (socket from systemd)"
        logger.info("listening on http://\(configuration.host):\(server.port)\(origin), workers: \(configuration.workers)")
        if let admin, let adminPort = server.adminPort {
            // Worded so it never matches the served port's "listening on" line that tools look for.
            logger.info("admin routes (repository, metrics) at http://\(admin.host):\(adminPort)")
        }

        switch source {
        case .builtIn:
            if !inherited.isEmpty {
                // systemd holds the socket while we start, so connections simply wait in its backlog:
                // train before serving, and a restart is invisible to clients (no 503s).
                install(Self.trainReferenceModel(logger: logger), updater: updater, systemd: systemd)
            } else {
                // The socket is up first and /readyz answers 503 while the model trains, as a model
                // that downloads or loads slowly would.
                DispatchQueue.global().async {
                    install(Self.trainReferenceModel(logger: logger), updater: updater, systemd: systemd)
                }
            }
        case .file, .repository:
            systemd.readiness.mark(.modelLoaded)
            logger.info("serving \(store.snapshot.count) model(s); /predict serves '\(defaultName)'; ready")
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

    /// Where models come from and which one the FastAPI-style routes serve: `--default-model`, else
    /// the only model, else (several models) the first by name, logged so it is no surprise.
    private func chooseModels(logger: Logger) -> Result<(ModelSource, String), Launcher.Failure> {
        if let repositoryPath {
            if modelPath != nil { return .failure("--model and --model-repository exclude each other") }
            let repository = ModelRepository(directory: repositoryPath)
            let names: [String]
            do throws(ModelFiles.Failure) { names = try repository.scan().keys.sorted() } catch { return .failure(Failure(error.description)) }
            guard let first = names.first else {
                return .failure(Failure("no models in \(repositoryPath) (the layout is \(repositoryPath)/<model>/<version>/<model file>)"))
            }
            if let defaultModel {
                guard names.contains(defaultModel) else {
                    return .failure(Failure("--default-model '\(defaultModel)' is not in \(repositoryPath), which holds \(names.joined(separator: ", "))"))
                }
                return .success((.repository(repository), defaultModel))
            }
            if names.count > 1 {
                logger.notice("several models and no --default-model: /predict serves '\(first)', the first by name")
            }
            return .success((.repository(repository), first))
        }
        let name = modelPath.map(Self.modelName(fromFile:)) ?? Self.referenceModelName
        if let defaultModel, defaultModel != name {
            return .failure(Failure("--default-model '\(defaultModel)': the only model served is '\(name)'"))
        }
        return .success((modelPath.map { .file(name: name, path: $0) } ?? .builtIn, name))
    }

    struct Failure: Error, CustomStringConvertible, ExpressibleByStringLiteral {
        var description: String
        init(_ description: String) { self.description = description }
        init(stringLiteral value: String) { self.init(value) }
    }

    /// `--model FILE` serves the model as the file's name without its extension
    /// (`/srv/boston.json` -> `boston`); a name that would be empty keeps the whole file name.
    static func modelName(fromFile path: String) -> String {
        let file = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
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

    private static func trainReferenceModel(logger: Logger) -> TreeModel {
        let start = MonotonicClock.seconds()
        let model = TreeModel.trainReference()
        logger.info("trained the reference model in \(Int((MonotonicClock.seconds() - start) * 1000)) ms")
        return model
    }

    private func install(_ model: TreeModel, updater: ModelUpdater, systemd: SystemdHooks) {
        updater.install(model, as: Self.referenceModelName)
        systemd.readiness.mark(.modelLoaded)
    }
}

extension ModelSummary {
    /// The built-in model, described before it has trained (its shape is fixed by the trainer).
    static let referenceModel = ModelSummary(
        estimator: TreeModel.Estimator.gradientBoosting.rawValue, featureCount: BostonHousing.featureCount,
        featureNames: BostonHousing.featureNames, treeCount: GradientBoostingTrainer().stageCount)
}
