#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address (numeric host and port), stored the way the
/// kernel wants it. No name resolution happens here except for `localhost`,
/// which means `127.0.0.1`: a server binds to addresses it is told.
struct SocketAddress: Sendable, CustomStringConvertible {
    /// The raw address; `sockaddr_in` or `sockaddr_in6` in its first bytes.
    private(set) var storage: sockaddr_storage
    /// The number of meaningful bytes in `storage`.
    let length: socklen_t

    /// Parses a numeric IPv4 (`127.0.0.1`, `0.0.0.0`) or IPv6 (`::1`, `::`,
    /// optionally in brackets) host and a port in 0...65535.
    init(host: String, port: Int) throws(SocketError) {
        guard (0...65_535).contains(port) else {
            throw SocketError(operation: "address \(host):\(port)", errorNumber: nil,
                              message: "port \(port) is outside 0...65535")
        }
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") {
            name = String(name.dropFirst().dropLast())
        }
        if name == "localhost" { name = "127.0.0.1" }

        var storage = sockaddr_storage()
        var v4 = in_addr()
        if inet_pton(AF_INET, name, &v4) == 1 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr = v4
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            }
            self.storage = storage
            self.length = socklen_t(MemoryLayout<sockaddr_in>.size)
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, name, &v6) == 1 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            address.sin6_addr = v6
            withUnsafeMutableBytes(of: &storage) { raw in
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            }
            self.storage = storage
            self.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            return
        }
        throw SocketError(operation: "address \(host)", errorNumber: nil,
                          message: "'\(host)' is not a numeric IPv4 or IPv6 address "
                              + "(use e.g. 127.0.0.1, 0.0.0.0, ::1 or ::)")
    }

    /// Wraps an address the kernel filled in (`accept`, `getsockname`).
    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    /// The address family (`AF_INET` or `AF_INET6`).
    var family: Int32 { Int32(storage.ss_family) }

    /// Whether this is an IPv6 address.
    var isIPv6: Bool { family == AF_INET6 }

    /// The port in host byte order.
    var port: Int {
        withUnsafeBytes(of: storage) { raw in
            switch family {
            case AF_INET:
                return Int(UInt16(bigEndian: raw.loadUnaligned(as: sockaddr_in.self).sin_port))
            case AF_INET6:
                return Int(UInt16(bigEndian: raw.loadUnaligned(as: sockaddr_in6.self).sin6_port))
            default:
                return 0
            }
        }
    }

    /// The numeric host without brackets (`127.0.0.1`, `::1`).
    var host: String {
        withUnsafeBytes(of: storage) { raw -> String in
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch family {
            case AF_INET:
                var address = raw.loadUnaligned(as: sockaddr_in.self).sin_addr
                guard inet_ntop(AF_INET, &address, &text, socklen_t(text.count)) != nil else { return "?" }
            case AF_INET6:
                var address = raw.loadUnaligned(as: sockaddr_in6.self).sin6_addr
                guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return "?" }
            default:
                return "?"
            }
            return String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// `host:port`, with IPv6 hosts in brackets (`[::1]:8080`).
    var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Runs `body` with a `sockaddr` pointer to this address.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(SocketError) -> R) throws(SocketError) -> R {
        var copy = storage
        let length = self.length
        return try withUnsafePointer(to: &copy) { pointer throws(SocketError) -> R in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SocketError) -> R in
                try body(address, length)
            }
        }
    }
}
