#if canImport(Glibc)
import Glibc
#endif

/// The standard `process_*` metrics, read from Linux's /proc the way Prometheus's own clients
/// do (proc(5)): resident memory, CPU seconds, open and maximum file descriptors, start time.
/// Each read is a few small file reads, done once per scrape, never on the request path.
enum ProcessStats {
    /// Resident set size in bytes: the second field of /proc/self/statm, in pages.
    static func residentMemoryBytes() -> Int? {
        guard let statm = ProcFile.read("/proc/self/statm") else { return nil }
        let fields = statm.split(separator: UInt8(ascii: " "))
        guard fields.count >= 2, let pages = Int(decimal: fields[1]) else { return nil }
        return pages * pageSize
    }

    /// Virtual memory size in bytes: the first field of /proc/self/statm, in pages.
    static func virtualMemoryBytes() -> Int? {
        guard let statm = ProcFile.read("/proc/self/statm") else { return nil }
        guard let first = statm.split(separator: UInt8(ascii: " ")).first, let pages = Int(decimal: first) else { return nil }
        return pages * pageSize
    }

    /// User plus system CPU time in seconds (fields 14 and 15 of /proc/self/stat, in clock ticks).
    static func cpuSeconds() -> Double? {
        guard let fields = statFields(), let user = Int(decimal: fields[14]), let system = Int(decimal: fields[15]) else {
            return nil
        }
        return Double(user + system) / Double(clockTicksPerSecond)
    }

    /// Open file descriptors: the entries of /proc/self/fd, less the one the listing itself uses.
    static func openFileDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            // Descriptor entries are decimal names; skip "." and "..".
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0[0] }
            if first != UInt8(ascii: ".") { count += 1 }
        }
        return count - 1
    }

    /// The soft limit on open file descriptors (RLIMIT_NOFILE); nil when unlimited.
    static func maxFileDescriptors() -> Int? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        // RLIM_INFINITY is all ones (it does not import into Swift), which no Int can hold.
        return Int(exactly: limit.rlim_cur)
    }

    /// Process start, in Unix seconds: boot time (`btime` in /proc/stat) plus field 22 of
    /// /proc/self/stat (ticks after boot). It never changes, so it is read once.
    static let startTimeSeconds: Double? = {
        guard let fields = statFields(), let ticks = Int(decimal: fields[22]), let bootTime = bootTimeSeconds() else {
            return nil
        }
        return Double(bootTime) + Double(ticks) / Double(clockTicksPerSecond)
    }()

    /// Appends the `process_*` families, skipping any value /proc did not give.
    static func write(into out: inout PrometheusWriter) {
        if let rss = residentMemoryBytes() {
            out.family("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.")
            out.sample("process_resident_memory_bytes", rss)
        }
        if let vms = virtualMemoryBytes() {
            out.family("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.")
            out.sample("process_virtual_memory_bytes", vms)
        }
        if let cpu = cpuSeconds() {
            out.family("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.")
            out.sample("process_cpu_seconds_total", cpu)
        }
        if let fds = openFileDescriptors() {
            out.family("process_open_fds", .gauge, help: "Number of open file descriptors.")
            out.sample("process_open_fds", fds)
        }
        if let maxFds = maxFileDescriptors() {
            out.family("process_max_fds", .gauge, help: "Maximum number of open file descriptors.")
            out.sample("process_max_fds", maxFds)
        }
        if let start = startTimeSeconds {
            out.family("process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.")
            out.sample("process_start_time_seconds", start)
        }
    }

    // MARK: - /proc parsing

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    private static let clockTicksPerSecond = Int(sysconf(Int32(_SC_CLK_TCK)))

    /// The fields of /proc/self/stat, numbered from 1 as proc(5) numbers them (index 0 unused).
    /// Field 2, the command name, is in parentheses and may itself hold spaces or parentheses,
    /// so the numbered fields from 3 on are split after its last `)`.
    private static func statFields() -> [ArraySlice<UInt8>]? {
        guard let stat = ProcFile.read("/proc/self/stat"),
              let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
        let fields = [[], [], []] + rest  // 0 (unused), 1 (pid) and 2 (comm) stand empty
        return fields.count > 22 ? fields : nil
    }

    private static func bootTimeSeconds() -> Int? {
        guard let stat = ProcFile.read("/proc/stat") else { return nil }
        for line in stat.split(separator: UInt8(ascii: "\n")) where line.starts(with: "btime ".utf8) {
            return Int(decimal: line.dropFirst(6))
        }
        return nil
    }
}

/// Reads a whole /proc file. These files report a size of 0, so read until end of file.
enum ProcFile {
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return n == 0 ? contents : nil }
            contents.append(contentsOf: chunk[..<n])
        }
    }
}

fileprivate extension Int {
    /// A non-negative decimal integer made of ASCII digits only (trailing newline ignored).
    init?<Bytes: Collection<UInt8>>(decimal bytes: Bytes) {
        var value = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: "\n") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
            digits += 1
        }
        guard digits > 0 else { return nil }
        self = value
    }
}
