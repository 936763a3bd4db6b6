import Glibc

/// Starts a detached-from-Dispatch OS thread for an event loop. A libev loop blocks its thread in
/// epoll_wait, so it must not borrow one of Dispatch's pool threads.
final class LoopThread: Sendable {
    private let handle: pthread_t

    init(body: @escaping @Sendable () -> Void) {
        // The closure travels to the new thread as a retained opaque pointer, released there.
        let box = Unmanaged.passRetained(ClosureBox(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<ClosureBox>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
        handle = thread
    }

    func join() {
        pthread_join(handle, nil)
    }
}

private final class ClosureBox: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
