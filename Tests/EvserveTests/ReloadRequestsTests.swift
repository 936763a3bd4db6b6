import Dispatch
import Synchronization
import Testing
@testable import Evserve

/// SIGHUP's reload requests: a storm of signals costs at most one reload more than the one running.
@Suite struct ReloadRequestsTests {
    /// The first request asks the caller to start a run; the next, while it is pending, does not.
    @Test func firstRequestStartsARun() {
        let requests = ReloadRequests()
        #expect(requests.request())
        #expect(!requests.request())
    }

    /// Twenty-five requests during a reload make exactly one more reload, not twenty-five.
    @Test func requestsDuringAReloadFoldIntoOneMore() {
        let requests = ReloadRequests()
        #expect(requests.request())
        var reloads = 0
        requests.run {
            reloads += 1
            if reloads == 1 {
                for _ in 0..<25 { #expect(!requests.request()) }
            }
        }
        #expect(reloads == 2)
    }

    /// Once a run has returned, the next request starts a new one.
    @Test func requestAfterARunStartsAnother() {
        let requests = ReloadRequests()
        #expect(requests.request())
        var reloads = 0
        requests.run { reloads += 1 }
        #expect(reloads == 1)
        #expect(requests.request())
        requests.run { reloads += 1 }
        #expect(reloads == 2)
    }

    /// Requests from many threads while runs go on: every request is covered by a reload that
    /// started after it, and no two runs overlap.
    @Test func concurrentRequestsAreAllCovered() {
        let requests = ReloadRequests()
        let state = Mutex((running: 0, overlapped: false, reloads: 0, lastRequest: 0, coveredUpTo: 0))
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "reload-requests-test", attributes: .concurrent)
        let requestCount = 2_000
        for number in 1...requestCount {
            state.withLock { $0.lastRequest = max($0.lastRequest, number) }
            if requests.request() {
                queue.async(group: group) {
                    requests.run {
                        let seen = state.withLock { s in
                            s.running += 1
                            if s.running > 1 { s.overlapped = true }
                            s.reloads += 1
                            return s.lastRequest
                        }
                        state.withLock { s in
                            s.running -= 1
                            s.coveredUpTo = max(s.coveredUpTo, seen)
                        }
                    }
                }
            }
        }
        group.wait()
        let final = state.withLock { $0 }
        #expect(!final.overlapped)
        #expect(final.coveredUpTo == requestCount)
        #expect(final.reloads <= requestCount)
    }
}
