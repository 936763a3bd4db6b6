import CLibev
import Glibc

/// How many CPUs this process may run on: its affinity mask (`taskset`, cgroup cpusets), not the
/// machine's count, because that is what decides whether parallel work can actually overlap.
enum CPUAffinity {
    static let usableCores: Int = {
        var set = cpu_set_t()
        guard sched_getaffinity(0, UInt(MemoryLayout<cpu_set_t>.size), &set) == 0 else { return 1 }
        // cpu_set_t is a fixed array of bit words; count the bits.
        let count = withUnsafeBytes(of: &set) { bytes in bytes.reduce(0) { $0 + $1.nonzeroBitCount } }
        return max(1, count)
    }()
}
