#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Testing

/// A deliberately dumb HTTP client on a raw TCP socket: it sends exactly the
/// bytes a test gives it and parses responses just enough to check them.
///
/// Blocking socket calls run on a private serial queue (backed by an
/// overcommitting Dispatch thread), never on the Swift concurrency pool that
/// the server's handlers need.
final class RawClient: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let fd: Int32
    private let isClosed = Atomic<Bool>(false)
    private let queue = DispatchQueue(label: "raw-client")
    /// Sends have their own thread so a test can keep sending (a trickle)
    /// while another task waits for a response.
    private let sendQueue = DispatchQueue(label: "raw-client-send")
    /// Bytes received but not yet handed out as a response.
    private var pending: [UInt8] = []
    private var sawEOF = false

    private init(fd: Int32) { self.fd = fd }

    deinit { close() }

    /// Connects to `host:port` (IPv4 or IPv6 numeric host).
    static func connect(port: Int, host: String = "127.0.0.1") async throws -> RawClient {
        let isV6 = host.contains(":")
        let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if isV6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, host, &address.sin_addr)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "connect to \(host):\(port) failed: errno \(code)")
        }
        return RawClient(fd: fd)
    }

    /// Sends `text` (write `\r\n` explicitly).
    func send(_ text: String) async throws {
        try await send(Array(text.utf8))
    }

    /// Sends raw bytes.
    func send(_ bytes: [UInt8]) async throws {
        try await onQueue(sendQueue) { [fd] in
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "send failed: errno \(errno)")
                }
                offset += n
            }
        }
    }

    /// Sends one byte at a time with a pause between them.
    func trickle(_ text: String, every interval: Duration) async throws {
        for byte in text.utf8 {
            try await send([byte])
            try await Task.sleep(for: interval)
        }
    }

    /// How many TCP segments carrying data this socket has received
    /// (`tcpi_data_segs_in` of Linux's `struct tcp_info`, kernel 4.6 and
    /// later); nil where the kernel does not report it. Glibc's own
    /// `tcp_info` stops short of the field, so it is read at its offset in
    /// the kernel's structure, which only ever grows at the end.
    func dataSegmentsReceived() -> Int? {
        let offset = 152
        var info = [UInt8](repeating: 0, count: 256)
        var length = socklen_t(info.count)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0, Int(length) >= offset + 4 else {
            return nil
        }
        return Int(info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) })
    }

    /// Half-closes: no more bytes from us.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes the socket, as a client that gives up does (the server gets
    /// an end of file). Nothing may be sent or read afterwards.
    func close() {
        if !isClosed.exchange(true, ordering: .relaxed) { Glibc.close(fd) }
    }

    /// Closes with `SO_LINGER` 0, so the kernel resets the connection
    /// instead of sending an end of file.
    func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Reads one response. `bodyless` for answers to HEAD (no body whatever
    /// the headers say). A 1xx response is returned on its own.
    func readResponse(bodyless: Bool = false, timeout: Duration = .seconds(10)) async throws -> RawResponse {
        try await onQueue { [self] in
            let deadline = DispatchTime.now().uptimeNanoseconds + timeout.nanosecondsForTests
            func fill() throws {
                guard !sawEOF else { throw Failure(description: "connection closed; have \(textOf(pending))") }
                try readSome(deadline: deadline)
            }
            var headEnd: Int?
            while headEnd == nil {
                headEnd = find([13, 10, 13, 10], in: pending)
                if headEnd == nil { try fill() }
            }
            let headBytes = Array(pending[..<headEnd!])
            pending.removeFirst(headEnd! + 4)
            var response = try RawResponse(head: headBytes)
            if bodyless || response.status < 200 || response.status == 204 || response.status == 304 {
                return response
            }
            if let te = response.header("Transfer-Encoding"), te.lowercased() == "chunked" {
                var body: [UInt8] = []
                while true {
                    var lineEnd = find([13, 10], in: pending)
                    while lineEnd == nil { try fill(); lineEnd = find([13, 10], in: pending) }
                    let sizeText = textOf(Array(pending[..<lineEnd!]))
                    guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                        throw Failure(description: "bad chunk size line '\(sizeText)'")
                    }
                    while pending.count < lineEnd! + 2 + size + 2 { try fill() }
                    body += pending[(lineEnd! + 2)..<(lineEnd! + 2 + size)]
                    response.chunks.append(Array(pending[(lineEnd! + 2)..<(lineEnd! + 2 + size)]))
                    pending.removeFirst(lineEnd! + 2 + size + 2)
                    if size == 0 { break }
                }
                response.body = body
            } else if let length = response.header("Content-Length").flatMap({ Int($0) }) {
                while pending.count < length { try fill() }
                response.body = Array(pending[..<length])
                pending.removeFirst(length)
            } else {
                while !sawEOF { try readSome(deadline: deadline) }
                response.body = pending
                pending = []
            }
            return response
        }
    }

    /// Waits until the server closes the connection (EOF or reset), keeping
    /// whatever arrives; `false` if it is still open after `timeout`.
    func waitForClose(timeout: Duration = .seconds(10)) async throws -> Bool {
        try await onQueue { [self] in
            let deadline = DispatchTime.now().uptimeNanoseconds + timeout.nanosecondsForTests
            while !sawEOF {
                do {
                    try readSome(deadline: deadline)
                } catch is TimedOut {
                    return false
                }
            }
            return true
        }
    }

    /// Everything received so far that no `readResponse` consumed.
    func unreadBytes() async -> [UInt8] {
        await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: pending) }
        }
    }

    /// Reads what arrives within `duration` (for "nothing more came" checks).
    func readAvailable(for duration: Duration) async throws -> [UInt8] {
        try await onQueue { [self] in
            let deadline = DispatchTime.now().uptimeNanoseconds + duration.nanosecondsForTests
            while !sawEOF {
                do { try readSome(deadline: deadline) } catch is TimedOut { break }
            }
            defer { pending = [] }
            return pending
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var description: String { "timed out waiting for the server" }
    }

    /// Appends what one read gives; throws `TimedOut` at the deadline.
    private func readSome(deadline: UInt64) throws {
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { throw TimedOut() }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let waitMs = Int32(min(1_000, (deadline - now) / 1_000_000 + 1))
            let ready = poll(&poller, 1, waitMs)
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "poll failed: errno \(errno)")
            }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                pending += buffer[..<n]
                return
            }
            if n == 0 || errno == ECONNRESET {
                sawEOF = true
                return
            }
            if errno == EINTR || errno == EAGAIN { continue }
            throw Failure(description: "recv failed: errno \(errno)")
        }
    }

    private func onQueue<T: Sendable>(_ target: DispatchQueue? = nil,
                                      _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            (target ?? queue).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

/// A response as the raw client parsed it.
struct RawResponse: Sendable {
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []
    /// The chunks of a chunked body, as framed by the server.
    var chunks: [[UInt8]] = []

    init(head: [UInt8]) throws {
        let lines = textOf(head).components(separatedByCRLF: ())
        let statusLine = lines.first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let code = Int(parts[1]) else {
            throw RawClient.Failure(description: "bad status line '\(statusLine)'")
        }
        status = code
        reason = parts.count > 2 ? String(parts[2]) : ""
        headers = lines.dropFirst().map { line in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let value = line[colon...].dropFirst().drop(while: { $0 == " " })
            return (String(line[..<colon]), String(value))
        }
    }

    /// The first value of `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// How many times `name` appears.
    func headerCount(_ name: String) -> Int {
        headers.filter { $0.name.lowercased() == name.lowercased() }.count
    }

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }
}

func textOf(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    outer: for start in 0...(haystack.count - needle.count) {
        for (offset, byte) in needle.enumerated() where haystack[start + offset] != byte { continue outer }
        return start
    }
    return nil
}

extension String {
    func components(separatedByCRLF: ()) -> [String] {
        var result: [String] = []
        var current: [UInt8] = []
        let bytes = Array(utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 13, index + 1 < bytes.count, bytes[index + 1] == 10 {
                result.append(textOf(current))
                current = []
                index += 2
            } else {
                current.append(bytes[index])
                index += 1
            }
        }
        result.append(textOf(current))
        return result
    }
}

extension Duration {
    var nanosecondsForTests: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
