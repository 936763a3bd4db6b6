import Synchronization

/// A value behind a `Mutex` that ThreadSanitizer can see: evserve's one lock type for state shared
/// between threads (the model store, metrics, the loops' mailboxes, ...).
///
/// Why not `Mutex` alone: on Linux, Synchronization's `Mutex` takes its lock with an atomic and the
/// futex system call inside the uninstrumented standard library, so ThreadSanitizer sees neither
/// and reports every access under the lock as a race (a ten-line program with two threads and one
/// `Mutex` shows it on Swift 6.3). Built for `make check-sanitizers` (`-D EVSERVE_TSAN`), `withLock`
/// also tells ThreadSanitizer "acquired" and "released" on this object's address; in every other
/// build it is `Mutex.withLock` and nothing more.
final class Locked<Value: ~Copyable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ initialValue: consuming sending Value) {
        mutex = Mutex(initialValue)
    }

    func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try mutex.withLock { (value: inout sending Value) throws(E) -> sending Result in
            #if EVSERVE_TSAN
            let address = Unmanaged.passUnretained(self).toOpaque()
            tsanAcquire(address)
            defer { tsanRelease(address) }
            #endif
            return try body(&value)
        }
    }
}

#if EVSERVE_TSAN
// ThreadSanitizer's annotation interface (compiler-rt's tsan_interface.h), linked in by
// `-sanitize=thread`: a release on an address happens-before every later acquire of it.
@_silgen_name("__tsan_acquire") private func tsanAcquire(_ address: UnsafeMutableRawPointer)
@_silgen_name("__tsan_release") private func tsanRelease(_ address: UnsafeMutableRawPointer)
#endif
