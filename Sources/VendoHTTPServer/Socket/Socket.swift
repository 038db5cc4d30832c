#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP socket: a typed file descriptor plus the few operations the server
/// needs. A value type with no ownership semantics: whoever opened it closes
/// it exactly once (the listener or the connection that owns it).
///
/// This file is platform-neutral; the system calls live in `Socket+Glibc.swift`.
struct Socket: Sendable, Hashable {
    /// A file descriptor, typed so it cannot be mixed up with other integers.
    struct FileDescriptor: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The kernel's descriptor number.
        let rawValue: Int32
        init(rawValue: Int32) { self.rawValue = rawValue }
        var description: String { "fd \(rawValue)" }
    }

    /// The descriptor this socket wraps.
    let descriptor: FileDescriptor

    /// Wraps an open descriptor.
    init(descriptor: FileDescriptor) {
        self.descriptor = descriptor
    }

    /// The outcome of a non-blocking read or write.
    enum IOResult: Sendable, Equatable {
        /// This many bytes moved (always > 0).
        case transferred(Int)
        /// The kernel has nothing to give or no room to take; wait for readiness.
        case wouldBlock
        /// The peer closed its side (reads only).
        case endOfFile
        /// The socket failed (reset, broken pipe, …).
        case failed(SocketError)
    }

    /// Opens a non-blocking, close-on-exec TCP socket bound to `address` with
    /// `SO_REUSEADDR`, listening with `backlog` pending connections.
    /// IPv6 sockets are IPv6-only so `::` and `0.0.0.0` can be bound side by side.
    static func makeListening(address: SocketAddress, backlog: Int32) throws(SocketError) -> Socket {
        let socket = try makeStream(family: address.family)
        do throws(SocketError) {
            try socket.setOption(level: Self.solSocket, name: Self.soReuseAddr, value: 1, label: "SO_REUSEADDR")
            if address.isIPv6 {
                try socket.setOption(level: Self.ipprotoIPv6, name: Self.ipv6V6Only, value: 1, label: "IPV6_V6ONLY")
            }
            try address.withSockAddr { (pointer, length) throws(SocketError) in
                if Self.systemBind(socket.descriptor.rawValue, pointer, length) != 0 {
                    throw SocketError.makeFailed("bind(\(address))")
                }
            }
            if Self.systemListen(socket.descriptor.rawValue, backlog) != 0 {
                throw SocketError.makeFailed("listen(\(address), backlog \(backlog))")
            }
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket;
    /// `nil` when none is pending.
    func accept() throws(SocketError) -> (Socket, SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Self.systemAccept(descriptor.rawValue, address, &length)
            }
        }
        if fd < 0 {
            let code = Self.currentErrno
            if code == Self.eAgain || code == Self.eWouldBlock || code == Self.eIntr || code == Self.eConnAborted {
                return nil
            }
            throw SocketError.makeFailed("accept(\(descriptor))", errorNumber: code)
        }
        return (Socket(descriptor: FileDescriptor(rawValue: fd)), SocketAddress(storage: storage, length: length))
    }

    /// The address the socket is bound to (the real port after binding port 0).
    func localAddress() throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Self.systemGetSockName(descriptor.rawValue, address, &length)
            }
        }
        if result != 0 { throw SocketError.makeFailed("getsockname(\(descriptor))") }
        return SocketAddress(storage: storage, length: length)
    }

    /// Disables Nagle's algorithm: each response goes out in one write, and
    /// waiting for an ACK before sending it would add ~40 ms.
    func setNoDelay() throws(SocketError) {
        try setOption(level: Self.ipprotoTCP, name: Self.tcpNoDelay, value: 1, label: "TCP_NODELAY")
    }

    /// Reads what is available into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> IOResult {
        while true {
            let count = Self.systemRead(descriptor.rawValue, buffer.baseAddress, buffer.count)
            if count > 0 { return .transferred(count) }
            if count == 0 { return .endOfFile }
            let code = Self.currentErrno
            if code == Self.eIntr { continue }
            if code == Self.eAgain || code == Self.eWouldBlock { return .wouldBlock }
            return .failed(.makeFailed("read(\(descriptor))", errorNumber: code))
        }
    }

    /// Writes as much of `buffer` as the kernel takes, never raising SIGPIPE.
    func send(_ buffer: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let count = Self.systemSend(descriptor.rawValue, buffer.baseAddress, buffer.count)
            if count >= 0 { return .transferred(count) }
            let code = Self.currentErrno
            if code == Self.eIntr { continue }
            if code == Self.eAgain || code == Self.eWouldBlock { return .wouldBlock }
            return .failed(.makeFailed("send(\(descriptor))", errorNumber: code))
        }
    }

    /// Half-closes: tells the peer we will send nothing more (a FIN after the
    /// queued data) while still letting us read what it sends.
    func shutdownWrite() {
        _ = Self.systemShutdownWrite(descriptor.rawValue)
    }

    /// Closes the descriptor. Call once, after the event loop stopped
    /// watching it (`EventLoop.deregister`): a reused descriptor number must
    /// not meet a stale registration.
    func close() {
        _ = Self.systemClose(descriptor.rawValue)
    }

    /// Sets an integer socket option.
    func setOption(level: Int32, name: Int32, value: Int32, label: String) throws(SocketError) {
        var value = value
        if Self.systemSetSockOpt(descriptor.rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw SocketError.makeFailed("setsockopt(\(label))")
        }
    }

    /// Opens a non-blocking, close-on-exec stream socket of `family`.
    private static func makeStream(family: Int32) throws(SocketError) -> Socket {
        let fd = Self.systemSocket(family)
        if fd < 0 { throw SocketError.makeFailed("socket(\(family == Self.ipv6Family ? "AF_INET6" : "AF_INET"))") }
        return Socket(descriptor: FileDescriptor(rawValue: fd))
    }
}
