import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A raw TCP server on 127.0.0.1:0 that answers each connection with bytes a
/// test writes itself: malformed, chunked, endless or no answer at all, which
/// a real HTTP server would never send.
///
/// Each accepted connection's request (head plus a Content-Length body) is
/// read first, then `script` runs on the connection's own thread with the
/// socket; the socket is closed when the script returns.
final class ScriptedServer: Sendable {
    /// The listening port.
    let port: Int
    private let listener: Int32
    private let requestsSeen = Mutex<[[UInt8]]>([])
    private let stopped = Atomic<Bool>(false)

    /// Starts listening and accepting on a thread of its own.
    init(_ script: @escaping @Sendable (_ connection: Int32, _ request: [UInt8]) -> Void) throws {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw CLITestError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            close(fd)
            throw CLITestError("bind/listen: \(String(cString: strerror(errno)))")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop(script) }
        thread.start()
    }

    /// The requests received so far, as raw bytes.
    var requests: [[UInt8]] { requestsSeen.withLock { $0 } }

    /// Stops accepting (connections already accepted run their script to the end).
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop(_ script: @escaping @Sendable (Int32, [UInt8]) -> Void) {
        while !stopped.load(ordering: .relaxed) {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in
                let request = Self.readRequest(connection)
                requestsSeen.withLock { $0.append(request) }
                script(connection, request)
                close(connection)
            }
            thread.start()
        }
    }

    /// Reads a head and, when it declares one, a Content-Length body.
    private static func readRequest(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if let end = data.firstRange(of: [13, 10, 13, 10]) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if data.count >= end.upperBound + length { return data }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return data }
            data += buffer[0..<n]
        }
    }
}

/// Writes all of `bytes` (a test's scripted answer); returns false when the peer went away.
@discardableResult
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { raw in
            #if canImport(Glibc)
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            #else
                Darwin.send(fd, raw.baseAddress! + offset, raw.count - offset, 0)
            #endif
        }
        if n <= 0 { return false }
        offset += n
    }
    return true
}

@discardableResult
func writeAll(_ fd: Int32, _ text: String) -> Bool { writeAll(fd, Array(text.utf8)) }

/// A loopback port that refuses connections while this value lives: bound, never listening,
/// so no server another test starts can take it.
final class RefusingPort: Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, ok else { throw CLITestError("cannot reserve a port: \(String(cString: strerror(errno)))") }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
