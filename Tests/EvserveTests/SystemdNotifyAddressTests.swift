#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Evserve

@Suite("NotifyAddress")
struct SystemdNotifyAddressTests {
    private var pathOffset: Int { MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! }

    /// A filesystem path is sent NUL-terminated, its length counting the terminator.
    @Test func pathAddressIsNulTerminated() throws {
        let address = try #require(NotifyAddress("/run/systemd/notify"))
        #expect(!address.isAbstract)
        address.withSockaddr { pointer, length in
            #expect(Int(length) == pathOffset + "/run/systemd/notify".utf8.count + 1)
            #expect(pointer.pointee.sa_family == sa_family_t(AF_UNIX))
            pointer.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { un in
                withUnsafeBytes(of: un.pointee.sun_path) { bytes in
                    #expect(Array(bytes.prefix(20)) == Array("/run/systemd/notify".utf8) + [0])
                }
            }
        }
    }

    /// '@' becomes the leading NUL of an abstract name, and the length stops at the name's end.
    @Test func abstractAddressStartsWithNul() throws {
        let address = try #require(NotifyAddress("@evserve/notify"))
        #expect(address.isAbstract)
        #expect(address.pathBytes == [0] + Array("evserve/notify".utf8))
        address.withSockaddr { _, length in
            #expect(Int(length) == pathOffset + 1 + "evserve/notify".utf8.count)
        }
    }

    /// A path must leave room for its NUL in sun_path; an abstract name may fill it.
    @Test func lengthLimits() {
        let capacity = NotifyAddress.sunPathCapacity
        #expect(NotifyAddress("/" + String(repeating: "a", count: capacity - 2)) != nil)
        #expect(NotifyAddress("/" + String(repeating: "a", count: capacity - 1)) == nil)
        #expect(NotifyAddress("@" + String(repeating: "a", count: capacity - 1)) != nil)
        #expect(NotifyAddress("@" + String(repeating: "a", count: capacity)) == nil)
    }

    /// A name containing NUL cannot be expressed and is refused.
    @Test func refusesEmbeddedNul() {
        #expect(NotifyAddress("/tmp/a\u{0}b") == nil)
    }
}
