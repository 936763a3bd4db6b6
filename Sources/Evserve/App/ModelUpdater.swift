import CLibev
import Inference
import JSON
import Logging
import Synchronization
import Validation

/// Where the served models come from, so they can be loaded again.
enum ModelSource: Sendable {
    /// `--model-repository DIR`.
    case repository(ModelRepository)
    /// `--model FILE`: one model, named after the file, as version 1.
    case file(name: String, path: String)
    /// The reference model trained at start-up: nothing to load again.
    case builtIn
}

/// Loads models into the `ModelStore`: at start-up, on the repository API's load and unload, and on
/// SIGHUP's rescan. Runs on job-queue threads (reading, parsing and compiling a model never happens
/// on a loop thread), one update at a time, so two loads of a model cannot interleave.
///
/// A version that fails to load keeps the model it served before; the failure is recorded as the
/// version's `reason` (index, ready routes), logged, counted (`evserve_model_loads_total`) and
/// returned to the caller.
final class ModelUpdater: Sendable {
    let source: ModelSource
    let store: ModelStore
    private let metrics: MetricsRegistry
    private let logger: Logger
    private let oneAtATime = Locked<Void>(())

    init(source: ModelSource, store: ModelStore, metrics: MetricsRegistry, logger: Logger) {
        self.source = source
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// Loads `name` again, all of its versions (Triton's load): new versions are added, versions gone
    /// from disk are dropped, and each version present is read afresh. Failures say why.
    func load(_ name: String) -> Result<Void, V2Error> {
        oneAtATime.withLock { _ in
            defer { Self.returnFreedMemory() }
            switch source {
            case .builtIn:
                return .failure(V2Error(status: 400, "the built-in model '\(name)' has no file to load again; start evserve with --model-repository DIR"))
            case .file(let served, let path):
                guard name == served else { return .failure(Self.notInRepository(name)) }
                return Self.combined(apply(name, files: [1: .success(path)]))
            case .repository(let repository):
                let files: [Int: ModelRepository.VersionFile]?
                do throws(ModelFiles.Failure) { files = try repository.scan(model: name) } catch { return .failure(V2Error(status: 400, error.description)) }
                guard let files else { return .failure(Self.notInRepository(name, repository)) }
                return Self.combined(apply(name, files: files))
            }
        }
    }

    /// Stops serving `name` (Triton's unload). Requests under way finish on the model they hold.
    func unload(_ name: String) -> Result<Void, V2Error> {
        oneAtATime.withLock { _ in
            guard store.versions(name) != nil else {
                return .failure(V2Error(status: 404, "model '\(name)' is not loaded"))
            }
            store.remove(name)
            logger.notice("model '\(name)' unloaded")
            return .success(())
        }
    }

    /// Reads the whole source again (SIGHUP, `systemctl reload`): every model on disk is loaded,
    /// models no longer on disk are unloaded. Returns the failures, each already logged.
    @discardableResult
    func rescan() -> [String] {
        oneAtATime.withLock { _ in
            defer { Self.returnFreedMemory() }
            switch source {
            case .builtIn:
                logger.notice("reload: the built-in model has no file to read again; nothing to do")
                return []
            case .file(let name, let path):
                return apply(name, files: [1: .success(path)])
            case .repository(let repository):
                let models: [String: [Int: ModelRepository.VersionFile]]
                do throws(ModelFiles.Failure) { models = try repository.scan() } catch {
                    logger.error("reload: \(error.description); still serving what was loaded")
                    return [error.description]
                }
                for gone in store.snapshot.keys where models[gone] == nil {
                    store.remove(gone)
                    logger.notice("model '\(gone)' unloaded: no longer in \(repository.directory)")
                }
                return models.keys.sorted().flatMap { apply($0, files: models[$0]!) }
            }
        }
    }

    /// Marks `name` version 1 as loading (the built-in model while it trains).
    func markLoading(_ name: String) {
        store.replace(name, with: [1: ModelVersionState(loading: true)])
    }

    /// Installs a model made in-process (the built-in model, once trained) as `name` version 1.
    func install(_ model: TreeModel, as name: String) {
        oneAtATime.withLock { _ in
            store.replace(name, with: [1: ModelVersionState(served: ServedModel(name: name, version: 1, model: model))])
        }
        metrics.recordModelLoad(model: name, succeeded: true)
    }

    /// Triton's repository index: every model version loaded or on disk, with its state
    /// (READY, LOADING, UNAVAILABLE) and why it is not ready; with `readyOnly`, the ready ones.
    /// Reads the repository directory: on a job-queue thread.
    func index(readyOnly: Bool) -> JSONValue {
        let loaded = store.snapshot
        var onDisk: [String: [Int: ModelRepository.VersionFile]] = [:]
        if case .repository(let repository) = source { onDisk = (try? repository.scan()) ?? [:] }
        var rows: [JSONValue] = []
        func add(_ name: String, _ version: Int?, _ state: String, _ reason: String?) {
            guard !readyOnly || state == "READY" else { return }
            var row: JSONObject = ["name": .string(name)]
            if let version { row["version"] = .string(String(version)) }
            row["state"] = .string(state)
            if let reason { row["reason"] = .string(reason) }
            rows.append(.object(row))
        }
        for name in Set(loaded.keys).union(onDisk.keys).sorted() {
            if let model = loaded[name] {
                for (version, state) in model.versions.sorted(by: { $0.key < $1.key }) {
                    add(name, version, state.indexState, state.reason)
                }
            } else if let versions = onDisk[name], !versions.isEmpty {
                for version in versions.keys.sorted() { add(name, version, "UNAVAILABLE", "unloaded") }
            } else {
                add(name, nil, "UNAVAILABLE", "unloaded")
            }
        }
        return .array(rows)
    }

    // MARK: -

    /// Loads each version's file and installs the model's new set of versions in one step.
    /// Returns the failures.
    private func apply(_ name: String, files: [Int: ModelRepository.VersionFile]) -> [String] {
        let before = store.versions(name) ?? [:]
        var after: [Int: ModelVersionState] = [:]
        var failures: [String] = []
        if files.isEmpty { failures.append("model '\(name)' has no version directories (<model>/<positive integer>/<model file>)") }
        for (version, file) in files.sorted(by: { $0.key < $1.key }) {
            var state = before[version] ?? ModelVersionState()
            let start = MonotonicClock.seconds()
            do {
                let path = try file.get()
                let model = try ModelFiles.load(path)
                state = ModelVersionState(served: ServedModel(name: name, version: version, model: model), file: path)
                logger.info("model '\(name)' version \(version) loaded from \(path) in \(Int((MonotonicClock.seconds() - start) * 1000)) ms")
                metrics.recordModelLoad(model: name, succeeded: true)
            } catch {
                state.reason = "\(error)"
                state.loading = false
                let keeps = state.served == nil ? "not serving it" : "still serving the model loaded before"
                let failure = "model '\(name)' version \(version): \(error)"
                logger.error("\(failure); \(keeps)")
                failures.append(failure)
                metrics.recordModelLoad(model: name, succeeded: false)
            }
            after[version] = state
        }
        store.replace(name, with: after)
        return failures
    }

    /// Reading a model file allocates and frees many MiB (the parsed document, the trees before
    /// compiling) on whichever job-queue thread ran it, and an old model is freed here when no request
    /// holds it. glibc keeps freed memory in that thread's arena, and with inference allocating in the
    /// same arenas little of it is ever returned: in `make soak`, reloads and SIGHUP storms under load
    /// took RSS from 31 to 55 MiB in a minute, for good (malloc_trim called from a debugger: back to
    /// 20 MiB). Trimming after each update gives it back; it costs far less than the load itself.
    private static func returnFreedMemory() {
        _ = malloc_trim(0)
    }

    private static func combined(_ failures: [String]) -> Result<Void, V2Error> {
        failures.isEmpty ? .success(()) : .failure(V2Error(status: 400, "failed to load: " + failures.joined(separator: "; ")))
    }

    private static func notInRepository(_ name: String, _ repository: ModelRepository? = nil) -> V2Error {
        V2Error(status: 404, "no model '\(name)' in " + (repository.map { "the repository \($0.directory)" } ?? "what this server loads"))
    }
}
