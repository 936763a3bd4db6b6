import Synchronization

/// systemd's READY=1 goes out once both the socket is served and the model is loaded,
/// whichever happens last.
final class ReadinessGate: Sendable {
    enum Condition { case serving, modelLoaded }

    private let state = Locked<(serving: Bool, loaded: Bool, announced: Bool)>((false, false, false))
    private let announce: @Sendable () -> Void

    init(announce: @escaping @Sendable () -> Void) { self.announce = announce }

    func mark(_ condition: Condition) {
        let now = state.withLock { s -> Bool in
            if condition == .serving { s.serving = true } else { s.loaded = true }
            guard s.serving && s.loaded && !s.announced else { return false }
            s.announced = true
            return true
        }
        if now { announce() }
    }
}
