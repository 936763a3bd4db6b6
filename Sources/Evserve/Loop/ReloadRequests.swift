import Synchronization

/// Folds reload requests (SIGHUP) that arrive while a reload runs into one more reload.
///
/// A reload reads the whole repository as it is when it starts, so one run after the last signal
/// sees everything the signals were sent for. Queuing one job per signal instead cost a full rescan
/// per signal, each waiting job holding a job-queue thread blocked on the updater's lock, away from
/// inference: a storm of 25 SIGHUPs was 25 rescans (found by `make soak`).
final class ReloadRequests: Sendable {
    /// Requests not yet covered by a reload that started after them.
    private let outstanding = Atomic<Int>(0)

    /// Records a request. True when the caller must start `run` (none is running); false when the
    /// running one will reload once more for it.
    func request() -> Bool {
        outstanding.add(1, ordering: .acquiringAndReleasing).oldValue == 0
    }

    /// Reloads until no request arrived during the last reload. Only one `run` is under way at a time.
    func run(_ reload: () -> Void) {
        var covered = outstanding.load(ordering: .acquiring)
        while true {
            reload()
            let arrivedMeanwhile = outstanding.subtract(covered, ordering: .acquiringAndReleasing).newValue
            if arrivedMeanwhile == 0 { return }
            covered = arrivedMeanwhile
        }
    }
}
