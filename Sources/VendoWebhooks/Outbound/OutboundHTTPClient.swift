import CSystemShims
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small HTTP/1.1 client over POSIX sockets: one request per connection.
///
/// Why not URLSession: on Linux it lives in FoundationNetworking, which links
/// libcurl and some thirty libraries and roughly doubles the endpoint's
/// memory. This client covers what the endpoint and its CLI need: plain
/// `http://` (IPv4, IPv6, host names through `getaddrinfo`), a non-blocking
/// connect, the whole request written, then status, headers and a body framed
/// by `Content-Length`, `chunked` or the close. `Connection: close` is always
/// sent; redirects are returned, never followed.
///
/// Limits (``Configuration``): one `timeout` for connecting, sending and
/// receiving together, and the largest response head and body accepted.
/// Name resolution runs first and is bounded by the system resolver's own
/// timeouts (`/etc/resolv.conf`), not by `timeout`.
package struct OutboundHTTPClient: Sendable {
    /// Limits for each request.
    package struct Configuration: Sendable {
        /// The whole exchange: connect, send, receive. Default 10 s.
        package var timeout: Duration = .seconds(10)
        /// The largest response head (status line and headers). Default 64 KiB.
        package var maxResponseHeadBytes = 64 * 1024
        /// The largest response body, after de-chunking. Default 1 MiB.
        package var maxResponseBodyBytes = 1024 * 1024
        /// Sent as `User-Agent` unless the request has its own.
        package var userAgent = "vendo-webhooks"

        /// The defaults above.
        package init() {}

        /// Defaults with another timeout.
        package init(timeout: Duration) { self.timeout = timeout }
    }

    /// The limits this client applies.
    package var configuration: Configuration

    /// A client with `configuration`.
    package init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sends one request and reads the whole response, blocking the calling
    /// thread (for the CLI). Async code uses ``send(method:url:headers:body:)-async``.
    /// - Parameter isCancelled: polled while waiting (at least every 100 ms); `true` ends the exchange.
    package func sendBlocking(
        method: String, url: OutboundURL, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        isCancelled: @escaping () -> Bool = { false }
    ) throws(OutboundHTTPError) -> OutboundHTTPResponse {
        let head = try requestHead(method: method, url: url, headers: headers, bodyCount: body.count)
        let exchange = Exchange(url: url, configuration: configuration, isCancelled: isCancelled)
        let fd = try exchange.connect()
        defer { close(fd) }
        var sendError: OutboundHTTPError?
        do throws(OutboundHTTPError) {
            try exchange.sendAll(head + body, fd: fd)
        } catch .timedOut(let phase, let address, let after) {
            throw .timedOut(phase: phase, address: address, after: after)
        } catch .cancelled {
            throw .cancelled
        } catch {
            // The server may have answered early (e.g. 413) and closed: read that answer if there is one.
            sendError = error
        }
        var parser = OutboundResponseParser(
            maxHeadBytes: configuration.maxResponseHeadBytes, maxBodyBytes: configuration.maxResponseBodyBytes,
            isHeadRequest: method == "HEAD")
        do throws(OutboundHTTPError) {
            return try exchange.receive(fd: fd, into: &parser)
        } catch {
            if let sendError, !parser.hasReceivedBytes { throw sendError }
            throw error
        }
    }

    /// Sends one request and reads the whole response on a thread of its own,
    /// so no cooperative thread blocks on the network. Task cancellation ends
    /// the exchange within about 100 ms (``OutboundHTTPError/cancelled``).
    package func send(
        method: String, url: OutboundURL, headers: [(name: String, value: String)] = [], body: [UInt8] = []
    ) async throws(OutboundHTTPError) -> OutboundHTTPResponse {
        let cancelled = Atomic<Bool>(false)
        let result: Result<OutboundHTTPResponse, OutboundHTTPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<OutboundHTTPResponse, OutboundHTTPError>, Never>) in
                let started = startDetachedThread(stackSize: 256 * 1024) { [self] in
                    continuation.resume(returning: Result { () throws(OutboundHTTPError) in
                        try sendBlocking(method: method, url: url, headers: headers, body: body) {
                            cancelled.load(ordering: .relaxed)
                        }
                    })
                }
                if !started {
                    continuation.resume(returning: .failure(.io(address: url.address, reason: "no thread could be started for the request")))
                }
            }
        } onCancel: {
            cancelled.store(true, ordering: .relaxed)
        }
        return try result.get()
    }

    /// The request line and headers; refuses anything that could split the head.
    private func requestHead(
        method: String, url: OutboundURL, headers: [(name: String, value: String)], bodyCount: Int
    ) throws(OutboundHTTPError) -> [UInt8] {
        guard !method.isEmpty, method.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
            throw .invalidRequest("the method '\(method)' is not an upper-case token such as POST")
        }
        var head = "\(method) \(url.requestTarget) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n"
        var hasUserAgent = false
        for (name, value) in headers {
            let reserved = ["host", "content-length", "transfer-encoding", "connection"]
            guard !name.isEmpty, !name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 >= 0x7F }) else {
                throw .invalidRequest("the header name '\(name)' is not a token")
            }
            guard !value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
                throw .invalidRequest("the value of header '\(name)' contains a line break or control character")
            }
            guard !reserved.contains(where: { name.equalsIgnoringASCIICase($0) }) else {
                throw .invalidRequest("the header '\(name)' is set by the client itself")
            }
            if name.equalsIgnoringASCIICase("User-Agent") { hasUserAgent = true }
            head += "\(name): \(value)\r\n"
        }
        if !hasUserAgent { head += "User-Agent: \(configuration.userAgent)\r\n" }
        head += "Connection: close\r\n"
        if bodyCount > 0 || ["POST", "PUT", "PATCH"].contains(method) { head += "Content-Length: \(bodyCount)\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }
}

/// One connection's sockets work, against one deadline.
private struct Exchange {
    let url: OutboundURL
    let timeout: Duration
    let deadline: ContinuousClock.Instant
    let isCancelled: () -> Bool

    init(url: OutboundURL, configuration: OutboundHTTPClient.Configuration, isCancelled: @escaping () -> Bool) {
        self.url = url
        self.timeout = configuration.timeout
        self.deadline = ContinuousClock.now + configuration.timeout
        self.isCancelled = isCancelled
    }

    /// Resolves the host and connects to the first address that accepts.
    func connect() throws(OutboundHTTPError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        // No AI_ADDRCONFIG: it hides ::1 in containers that have only loopback IPv6.
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(url.host, String(url.port), &hints, &list)
        guard status == 0, let first = list else {
            throw .resolveFailed(host: url.host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 {
                lastError = String(cString: strerror(errno))
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            #if canImport(Darwin)
                var one: Int32 = 1
                setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
            #endif
            var result = systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            var failure = errno
            if result < 0 && (failure == EINPROGRESS || failure == EINTR) {
                do {
                    try wait(fd: fd, for: Int16(POLLOUT), phase: "connecting to")
                } catch {
                    close(fd)
                    throw error
                }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                result = soError == 0 ? 0 : -1
                failure = soError
            }
            if result == 0 { return fd }
            lastError = String(cString: strerror(failure))
            close(fd)
        }
        throw .connectFailed(address: url.address, reason: lastError)
    }

    func sendAll(_ bytes: [UInt8], fd: Int32) throws(OutboundHTTPError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                    Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                #else
                    Darwin.send(fd, raw.baseAddress! + offset, raw.count - offset, 0)
                #endif
            }
            if n > 0 {
                offset += n
                continue
            }
            let failure = errno
            if n < 0 && (failure == EAGAIN || failure == EWOULDBLOCK || failure == EINTR) {
                try wait(fd: fd, for: Int16(POLLOUT), phase: "sending the request to")
                continue
            }
            throw .io(address: url.address, reason: "sending the request: \(String(cString: strerror(failure)))")
        }
    }

    func receive(fd: Int32, into parser: inout OutboundResponseParser) throws(OutboundHTTPError) -> OutboundHTTPResponse {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            do throws(OutboundResponseParser.Failure) {
                if n > 0 {
                    if try parser.feed(buffer[0..<n]) { return parser.response! }
                    continue
                }
                if n == 0 { return try parser.finish() }
            } catch {
                switch error {
                case .tooLarge(let detail): throw .responseTooLarge(address: url.address, detail: detail)
                case .malformed(let reason): throw .malformedResponse(address: url.address, reason: reason)
                }
            }
            let failure = errno
            if failure == EAGAIN || failure == EWOULDBLOCK || failure == EINTR {
                try wait(fd: fd, for: Int16(POLLIN), phase: parser.hasReceivedBytes ? "reading the response from" : "waiting for a response from")
                continue
            }
            throw .io(address: url.address, reason: "reading the response: \(String(cString: strerror(failure)))")
        }
    }

    /// Waits until `fd` is ready for `events`, in slices so cancellation is noticed.
    private func wait(fd: Int32, for events: Int16, phase: String) throws(OutboundHTTPError) {
        while true {
            if isCancelled() { throw .cancelled }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw .timedOut(phase: phase, address: url.address, after: timeout) }
            let (seconds, attoseconds) = left.components
            let millis = min(seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1, 100)
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&pfd, 1, Int32(millis))
            if ready > 0 { return }
            if ready < 0 && errno != EINTR {
                throw .io(address: url.address, reason: "poll: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// `connect(2)`, named apart from ``Exchange/connect()``.
private func systemConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
        Glibc.connect(fd, address, length)
    #else
        Darwin.connect(fd, address, length)
    #endif
}
