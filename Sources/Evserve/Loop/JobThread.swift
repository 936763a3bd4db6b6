import CLibev
import Glibc

/// How a job thread keeps a long model call from holding up its loop on a shared core.
///
/// A hand-off wakes a job thread, which preempts the loop at once (the loop is then runnable, not
/// waiting): right for the usual batch of tens of microseconds, whose answers the loop delivers as
/// soon as it is back. But a loop preempted that way is not woken by the next request, so behind a
/// long call (a 2000-tree model over 1000 rows takes milliseconds) it waited for the job thread's
/// slice to end: /healthz's p99 was ~4 ms (bench/run_heavy.py). For a long call the job thread turns
/// SCHED_BATCH and yields: the loop finishes its iteration and waits in epoll, and each request that
/// wakes it preempts the call (`evserve_set_thread_batch`). Stop 13 measured job threads that are
/// always SCHED_BATCH as slower for small batches; only long calls change policy, two system calls
/// against milliseconds of work. Inside the call, the walks of deep trees offer the CPU between slices
/// of trees (`InterleavedForest.evaluationsPerSlice`), for the loop or a client the scheduler passed over.
enum JobThread {
    /// Tree evaluations (trees × rows) from which a model call counts as long: ~1 ms at the ~2 ns a
    /// tree evaluation takes here (the reference model's 500 trees over 1000 rows).
    static let longCall = 500_000

    /// Runs `work` (`treeRows` tree evaluations) as a long call when it is one.
    static func run<Result>(treeRows: Int, _ work: () -> Result) -> Result {
        guard treeRows >= longCall, evserve_set_thread_batch(1) == 0 else { return work() }
        defer { _ = evserve_set_thread_batch(0) }
        sched_yield()
        return work()
    }
}
