#if canImport(Glibc)
import Glibc
import CSystemShims

// The system calls and constants Socket.swift uses, so that file stays free
// of platform spellings (Glibc imports SOCK_STREAM as an enum, for example).
extension Socket {
    static let solSocket = SOL_SOCKET
    static let soReuseAddr = SO_REUSEADDR
    static let ipprotoTCP = Int32(IPPROTO_TCP)
    static let ipprotoIPv6 = Int32(IPPROTO_IPV6)
    static let ipv6V6Only = IPV6_V6ONLY
    static let tcpNoDelay = TCP_NODELAY
    static let ipv6Family = AF_INET6
    static let eAgain = EAGAIN
    static let eWouldBlock = EWOULDBLOCK
    static let eIntr = EINTR
    static let eConnAborted = ECONNABORTED

    static var currentErrno: Int32 { errno }

    static func errorString(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }

    static func systemSocket(_ family: Int32) -> Int32 {
        socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    }

    static func systemBind(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
        bind(fd, address, length)
    }

    static func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 {
        listen(fd, backlog)
    }

    /// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC, through the C shim because
    /// Glibc hides accept4 from Swift.
    static func systemAccept(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>) -> Int32 {
        vendo_accept4_nonblock_cloexec(fd, address, length)
    }

    static func systemGetSockName(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>) -> Int32 {
        getsockname(fd, address, length)
    }

    static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        Glibc.read(fd, buffer, count)
    }

    /// MSG_NOSIGNAL: a peer that went away gives EPIPE, not a process-killing SIGPIPE.
    static func systemSend(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        Glibc.send(fd, buffer, count, Int32(MSG_NOSIGNAL))
    }

    static func systemShutdownWrite(_ fd: Int32) -> Int32 {
        shutdown(fd, Int32(SHUT_WR))
    }

    static func systemClose(_ fd: Int32) -> Int32 {
        Glibc.close(fd)
    }

    static func systemSetSockOpt(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: UnsafeRawPointer, _ length: socklen_t) -> Int32 {
        setsockopt(fd, level, name, value, length)
    }

    /// Ignores SIGPIPE for the whole process, once. MSG_NOSIGNAL already covers
    /// `send`, but other writes (logging to a closed pipe) could still raise it.
    static let ignoreBrokenPipeOnce: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()
}
#endif
