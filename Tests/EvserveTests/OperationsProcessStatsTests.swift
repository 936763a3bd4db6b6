#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Evserve

@Suite("Process stats from /proc")
struct OperationsProcessStatsTests {
    /// Resident memory is positive and grows once a large buffer is touched.
    @Test func residentMemoryFollowsTouchedPages() throws {
        let before = try #require(ProcessStats.residentMemoryBytes())
        #expect(before > 0)
        let size = 64 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        // Touching every page makes it resident; 64 MiB is far above any noise in the test process.
        for offset in stride(from: 0, to: size, by: 4096) { buffer[offset] = 1 }
        let after = try #require(ProcessStats.residentMemoryBytes())
        #expect(after - before >= size / 2)
        #expect(try #require(ProcessStats.virtualMemoryBytes()) >= after)
    }

    /// Opening 64 descriptors raises the count by 64, and closing them lowers it again.
    @Test func openFileDescriptorsCountsOpens() throws {
        // Live tests in other suites open and close sockets meanwhile (a thousand at a time), so a
        // measurement may count theirs too: measure until one is undisturbed. A wrong count never
        // shows exactly +64 then back, so this cannot pass by waiting.
        var last = ""
        try waitUntil("a measurement showing +64 then back (last: \(last))") {
            let before = try #require(ProcessStats.openFileDescriptors())
            let fds = (0..<64).map { _ in open("/dev/null", O_RDONLY | O_CLOEXEC) }
            let counted = ProcessStats.openFileDescriptors()
            for fd in fds where fd >= 0 { close(fd) }
            try #require(fds.allSatisfy { $0 >= 0 })
            let during = try #require(counted)
            let after = try #require(ProcessStats.openFileDescriptors())
            last = "\(before) → \(during) → \(after)"
            return during - before == 64 && after == before
        }
    }

    /// CPU seconds agree with getrusage and grow while the process computes.
    @Test func cpuSecondsAgreeWithGetrusage() throws {
        let start = try #require(ProcessStats.cpuSeconds())
        var usage = rusage()
        let deadline = clock() + clock_t(CLOCKS_PER_SEC / 5)  // bounded: 0.2 s of CPU
        while clock() < deadline {}  // clock() itself is the work: the loop cannot be optimised away
        let cpu = try #require(ProcessStats.cpuSeconds())
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let rusageSeconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        #expect(cpu - start >= 0.1)
        // /proc counts in clock ticks (1/100 s), so allow a few ticks of difference.
        #expect(abs(cpu - rusageSeconds) < 0.1)
    }

    /// The start time lies in the past, after the machine booted, and close to now for a fresh test run.
    @Test func startTimeIsRecent() throws {
        let started = try #require(ProcessStats.startTimeSeconds)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nowSeconds = Double(now.tv_sec)
        #expect(started <= nowSeconds + 1)
        #expect(started > nowSeconds - 3600)
    }

    /// The descriptor limit is the soft "Max open files" limit the kernel lists in /proc/self/limits.
    @Test func maxFileDescriptorsMatchesProcLimits() throws {
        let limits = String(decoding: try #require(ProcFile.read("/proc/self/limits")), as: UTF8.self)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let soft = line.dropFirst("Max open files".count).split(separator: " ").first
        #expect(ProcessStats.maxFileDescriptors() == soft.flatMap { Int($0) })
    }
}
