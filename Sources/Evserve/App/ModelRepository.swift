import Glibc

/// A model repository on disk in Triton's layout: `DIR/<model>/<version>/<one model file>`, versions
/// positive integers. Scanning only lists what is there; `ModelUpdater` loads it.
///
/// As Triton does, entries that do not fit the layout are skipped: hidden names, files directly in
/// `DIR` or in a model's directory, and version directories whose name is not a positive integer.
/// A version directory must hold exactly one (non-hidden) file; otherwise that version is broken,
/// with the reason, and the model's other versions are unaffected.
struct ModelRepository: Sendable {
    let directory: String

    /// A version's model file, or why the version directory cannot be served.
    typealias VersionFile = Result<String, ModelFiles.Failure>

    /// Every model, by name: its versions and their files.
    func scan() throws(ModelFiles.Failure) -> [String: [Int: VersionFile]] {
        var models: [String: [Int: VersionFile]] = [:]
        for name in try Self.entries(of: directory, directories: true) {
            models[name] = try scan(model: name)
        }
        return models
    }

    /// One model's versions; nil when the repository has no such model.
    func scan(model name: String) throws(ModelFiles.Failure) -> [Int: VersionFile]? {
        guard Self.isModelName(name), Self.isDirectory(path(name)) else { return nil }
        var versions: [Int: VersionFile] = [:]
        for entry in try Self.entries(of: path(name), directories: true) {
            guard let version = Int(entry), version > 0, String(version) == entry else { continue }
            let directory = path(name, entry)
            versions[version] = Result { () throws(ModelFiles.Failure) -> String in
                let files = try Self.entries(of: directory, directories: false)
                guard files.count == 1 else {
                    throw ModelFiles.Failure(description: "\(directory) must hold exactly one model file; it holds \(files.count)")
                }
                return directory + "/" + files[0]
            }
        }
        return versions
    }

    /// A name usable in a URL path segment and as a directory: no '/', not hidden.
    static func isModelName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/")
    }

    private func path(_ components: String...) -> String {
        ([directory] + components).joined(separator: "/")
    }

    /// The non-hidden names in `directory` that are directories (or, with `directories` false,
    /// regular files), sorted.
    private static func entries(of directory: String, directories: Bool) throws(ModelFiles.Failure) -> [String] {
        guard let handle = opendir(directory) else {
            throw ModelFiles.Failure(description: "cannot read \(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            // d_name is a fixed-size C array inside the dirent that readdir owns until the next call.
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            guard !name.hasPrefix(".") else { continue }
            let full = directory + "/" + name
            if directories ? isDirectory(full) : isRegularFile(full) { names.append(name) }
        }
        return names.sorted()
    }

    private static func isDirectory(_ path: String) -> Bool { mode(path) == S_IFDIR }

    private static func isRegularFile(_ path: String) -> Bool { mode(path) == S_IFREG }

    /// The file type bits of `path`, following symbolic links (a repository may link model files in).
    private static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }
}
