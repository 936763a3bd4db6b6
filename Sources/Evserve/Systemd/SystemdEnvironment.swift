#if canImport(Glibc)
import Glibc
#endif

/// Reads the variables by which a service manager talks to evserve (`NOTIFY_SOCKET`, `LISTEN_FDS`, ...).
/// Read straight from the C environment: Foundation (and the ICU it pulls in on Linux) stays out of the server.
enum SystemdEnvironment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
