#if canImport(Glibc)
import Glibc
#endif

/// Reads the variables by which a service manager talks to evserve (`NOTIFY_SOCKET`, `LISTEN_FDS`, ...).
/// Read straight from the C environment: Foundation stays out of the server (see STYLE.md).
enum SystemdEnvironment {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
