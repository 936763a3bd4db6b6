import Synchronization
import Validation

/// Every served model, by name and then version, and whether the server is ready: the one place
/// routes look models up (`/predict`, the v2 routes, readiness) and updates install them.
///
/// The table sits behind a `Mutex`; a lookup takes the lock only to copy out one reference, so
/// routes and updates never wait on each other for longer than that. An update replaces a
/// version's `ServedModel` whole: requests already holding the old one finish on it.
final class ModelStore: Sendable {
    /// The name the FastAPI-style routes (`/`, `/predict`, `/predict_proba`) serve.
    let defaultModelName: String

    private let table = Locked<[String: ModelVersions]>([:])
    /// The default model's `latest`, kept apart from the table: `/predict` reads it on every request,
    /// and here that costs one lock and one reference, not a name's hash and a copy of its versions.
    private let defaultLatest = Locked<ServedModel?>(nil)
    /// Every model's `latest`, by name, also apart from the table: the v2 routes read it on every
    /// request naming no version, and reading it from the table copied out the model's whole
    /// `ModelVersions` (its references retained, then released) to keep one of them.
    private let latestByName = Locked<[String: ServedModel]>([:])
    private let draining = Atomic<Bool>(false)

    init(defaultModelName: String = Launcher.referenceModelName) {
        self.defaultModelName = defaultModelName
    }

    // MARK: - Lookups (loop threads)

    /// The default model's highest loaded version; nil while it loads or once it is unloaded.
    var defaultModel: ServedModel? {
        defaultLatest.withLock { $0 }
    }

    /// The model `name` at `version`, or at its highest loaded version when `version` is nil.
    /// Unknown names and versions are 404s; known ones without a loaded model are 503s that say why.
    func resolve(name: String, version: String?) -> Result<ServedModel, V2Error> {
        // The usual request names no version: its answer is kept ready, with no versions to sort.
        if version == nil, let latest = latestByName.withLock({ $0[name] }) { return .success(latest) }
        return table.withLock { table in
            switch Self.state(in: table, name: name, version: version) {
            case .failure(let error): return .failure(error)
            case .success(let (number, state)):
                if let served = state.served { return .success(served) }
                let which = version == nil ? "model '\(name)'" : "model '\(name)' version \(number)"
                return .failure(V2Error(status: 503, "\(which) is not ready: \(state.reason ?? "loading")"))
            }
        }
    }

    /// Whether `name` (at `version`, or any version) can answer, and why not: the model ready routes.
    func readiness(name: String, version: String?) -> Result<(ready: Bool, reason: String?), V2Error> {
        table.withLock { table in
            Self.state(in: table, name: name, version: version).map { ($0.1.served != nil, $0.1.reason) }
        }
    }

    /// The versions of `name`, lowest first.
    func versions(of name: String) -> [Int] {
        table.withLock { $0[name].map { $0.versions.keys.sorted() } ?? [] }
    }

    /// Not draining, and every model answers requests that name no version: `/readyz`,
    /// `GET /v2/health/ready`, systemd's READY=1.
    var isReady: Bool {
        !draining.load(ordering: .relaxed) && table.withLock { table in
            !table.isEmpty && table.values.allSatisfy { $0.latest != nil }
        }
    }

    /// Every model version and its state, by name then version: the repository index and metrics.
    var snapshot: [String: ModelVersions] { table.withLock { $0 } }

    /// Every model version as `/metrics` labels it, by name then version.
    var metricsStatus: [MetricsRegistry.ModelStatus] {
        snapshot.sorted { $0.key < $1.key }.flatMap { name, model in
            model.versions.sorted { $0.key < $1.key }.map { version, state in
                MetricsRegistry.ModelStatus(key: state.served?.metricsKey ?? .init(model: name, version: String(version)),
                                            summary: state.served?.summary)
            }
        }
    }

    // MARK: - Updates (job-queue threads, serialized by `ModelUpdater`)

    /// Replaces what `name` serves with `versions` (a model's whole set, as just loaded).
    func replace(_ name: String, with versions: [Int: ModelVersionState]) {
        var entry = ModelVersions()
        entry.versions = versions
        entry.latest = versions.keys.sorted().reversed().lazy.compactMap { versions[$0]?.served }.first
        let latest = entry.latest
        table.withLock { $0[name] = entry }
        latestByName.withLock { $0[name] = latest }
        if name == defaultModelName { defaultLatest.withLock { $0 = latest } }
    }

    /// Stops serving `name`: new requests get 404; requests under way finish on their model.
    func remove(_ name: String) {
        table.withLock { $0[name] = nil }
        latestByName.withLock { $0[name] = nil }
        if name == defaultModelName { defaultLatest.withLock { $0 = nil } }
    }

    /// What `name` serves now, to build its next state from.
    func versions(_ name: String) -> [Int: ModelVersionState]? {
        table.withLock { $0[name]?.versions }
    }

    func markDraining() { draining.store(true, ordering: .relaxed) }

    // MARK: -

    private static func state(in table: [String: ModelVersions], name: String, version: String?)
        -> Result<(Int, ModelVersionState), V2Error> {
        guard let model = table[name] else {
            let known = table.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return .failure(V2Error(status: 404, "unknown model '\(name)'; this server serves \(known.isEmpty ? "no models" : known)"))
        }
        let ordered = model.versions.keys.sorted()
        guard let version else {
            // Highest loaded version; with none loaded, the highest says why.
            let number = ordered.last { model.versions[$0]?.served != nil } ?? ordered.last ?? 0
            return .success((number, model.versions[number] ?? ModelVersionState(reason: "no versions")))
        }
        guard let number = Int(version), let state = model.versions[number] else {
            return .failure(V2Error(status: 404, "model '\(name)' has no version '\(version)'; its versions are \(ordered.map(String.init).joined(separator: ", "))"))
        }
        return .success((number, state))
    }
}

/// One model's versions and the one that answers requests naming no version.
struct ModelVersions: Sendable {
    var versions: [Int: ModelVersionState] = [:]
    /// The highest version with a loaded model (found once per update, not per request).
    var latest: ServedModel?
}

/// One version of a model: what it serves, and why the last attempt to load it failed, if it did.
/// A failed reload keeps the model it had (`served`) and records `reason`.
struct ModelVersionState: Sendable {
    var served: ServedModel?
    var reason: String?
    /// The model file it was loaded from (nil for the built-in model).
    var file: String?
    /// True between the start of a first load and its end (the built-in model training).
    var loading = false

    /// Triton's index states: READY, LOADING, UNAVAILABLE.
    var indexState: String {
        served != nil ? "READY" : loading ? "LOADING" : "UNAVAILABLE"
    }
}
