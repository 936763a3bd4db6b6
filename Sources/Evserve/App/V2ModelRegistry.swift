import JSON
import Validation

/// One model version as the v2 routes see it: its name and version, the store holding the loaded
/// model, and what its metadata says (made once, served inline).
struct V2ModelEntry: Sendable {
    let name: String
    let version: String
    let store: ModelStore
    let summary: ModelSummary
    let reader: V2RequestReader
    let outputs: [V2Output]

    init(name: String, version: String, store: ModelStore, summary: ModelSummary) {
        self.name = name
        self.version = version
        self.store = store
        self.summary = summary
        self.reader = V2RequestReader(signature: summary.v2Signature)
        self.outputs = V2Output.outputs(of: summary)
    }
}

/// The models the v2 routes serve, looked up by name, then version, in this one place: name ->
/// versions -> entry. Today it holds the one served model; the model repository (`--model-repository`,
/// load/unload, reload) replaces what is behind `resolve` without touching the routes.
struct V2ModelRegistry: Sendable {
    /// The name of the built-in reference model (the one trained at start-up without `--model`).
    static let referenceModelName = "reference"

    private let models: [String: [String: V2ModelEntry]]

    init(_ entries: [V2ModelEntry]) {
        var models: [String: [String: V2ModelEntry]] = [:]
        for entry in entries { models[entry.name, default: [:]][entry.version] = entry }
        self.models = models
    }

    /// `--model FILE` serves the model as the file's name without its extension
    /// (`/srv/boston.json` -> `boston`); a name that would be empty keeps the whole file name.
    static func modelName(fromFile path: String) -> String {
        let file = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    /// The model `name` at `version`, or at its highest version when `version` is nil; 404 otherwise.
    func resolve(name: String, version: String?) -> Result<V2ModelEntry, V2Error> {
        guard let versions = models[name] else {
            let known = models.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return .failure(V2Error(status: 404, "unknown model '\(name)'; this server serves \(known)"))
        }
        if let version {
            guard let entry = versions[version] else {
                return .failure(V2Error(status: 404, "model '\(name)' has no version '\(version)'; its versions are \(Self.ordered(versions.keys).joined(separator: ", "))"))
            }
            return .success(entry)
        }
        return .success(versions[Self.ordered(versions.keys).last!]!)
    }

    /// Every model version is loaded and the server is not draining: `GET /v2/health/ready`.
    var isReady: Bool {
        models.values.allSatisfy { $0.values.allSatisfy(\.store.isReady) }
    }

    /// The versions of `name`, lowest first (numerically: versions are positive integers).
    func versions(of name: String) -> [String] {
        Self.ordered(models[name].map { Array($0.keys) } ?? [])
    }

    private static func ordered<S: Sequence<String>>(_ versions: S) -> [String] {
        versions.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
    }
}
