import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny blocking HTTP/1.1 client over POSIX sockets, for `send` and `healthcheck`.
///
/// Why not URLSession: on Linux it lives in FoundationNetworking, which pulls
/// in libcurl and some thirty libraries and doubles process start-up; a
/// Docker HEALTHCHECK runs this every few seconds. Plain `http://` only: for
/// an `https://` endpoint use `sign --format curl`.
enum PlainHTTPClient {
    /// A received response.
    struct Response {
        var status: Int
        var reason: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    /// A failed exchange, with a message that says what to check.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The parts of an `http://` URL the client needs.
    struct Target {
        var host: String         // without brackets
        var port: Int
        var requestTarget: String
        var hostHeader: String

        init(_ urlString: String) throws {
            guard let components = URLComponents(string: urlString), let scheme = components.scheme?.lowercased() else {
                throw Failure(description: "'\(urlString)' is not a URL; expected e.g. http://127.0.0.1:8080/webhooks/vendo")
            }
            guard scheme == "http" else {
                throw Failure(description: scheme == "https"
                    ? "https:// is not supported here (no TLS in this tool); use `vendo-webhooks sign --format curl` and curl"
                    : "unsupported scheme '\(scheme)' in \(urlString); expected http://")
            }
            guard var host = components.host, !host.isEmpty else {
                throw Failure(description: "'\(urlString)' has no host; expected e.g. http://127.0.0.1:8080/")
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            self.host = host
            self.port = components.port ?? 80
            var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            if let query = components.percentEncodedQuery { target += "?" + query }
            self.requestTarget = target
            let shownHost = host.contains(":") ? "[\(host)]" : host
            self.hostHeader = components.port == nil ? shownHost : "\(shownHost):\(port)"
        }
    }

    /// Sends one request with `Connection: close` and reads the whole response.
    /// `timeout` bounds connecting, sending and receiving together.
    static func exchange(
        method: String, url: String, headers: [(String, String)] = [], body: [UInt8] = [], timeout: Duration
    ) throws -> Response {
        let target = try Target(url)
        let deadline = ContinuousClock.now + timeout
        let fd = try connect(to: target, deadline: deadline, timeout: timeout)
        defer { close(fd) }

        var head = "\(method) \(target.requestTarget) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
        head += "User-Agent: vendo-webhooks\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try sendAll(Array(head.utf8) + body, fd: fd, deadline: deadline, timeout: timeout, target: target)
        let raw = try receive(fd: fd, deadline: deadline, timeout: timeout, target: target)
        return try parse(raw, target: target)
    }

    private static func describe(_ target: Target) -> String {
        target.host.contains(":") ? "[\(target.host)]:\(target.port)" : "\(target.host):\(target.port)"
    }

    private static func remainingMillis(_ deadline: ContinuousClock.Instant) -> Int32 {
        let left = deadline - ContinuousClock.now
        if left <= .zero { return 0 }
        let ms = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(ms, 1))
    }

    private static func connect(to target: Target, deadline: ContinuousClock.Instant, timeout: Duration) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(target.host, String(target.port), &hints, &list)
        guard status == 0, let first = list else {
            throw Failure(description: "cannot resolve \(target.host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = systemConnect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if result < 0 && errno == EINPROGRESS {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&pfd, 1, remainingMillis(deadline))
                if ready == 0 {
                    close(fd)
                    throw Failure(description: "timed out after \(Units.describe(timeout)) connecting to \(describe(target))")
                }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                if soError == 0 { result = 0 } else { errno = soError }
            }
            if result == 0 { return fd }
            lastError = String(cString: strerror(errno))
            close(fd)
        }
        throw Failure(description: "cannot connect to \(describe(target)): \(lastError)")
    }

    private static func sendAll(_ bytes: [UInt8], fd: Int32, deadline: ContinuousClock.Instant, timeout: Duration, target: Target) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(fd, raw.baseAddress! + offset, raw.count - offset, 0)
                #endif
            }
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                if poll(&pfd, 1, remainingMillis(deadline)) == 0 {
                    throw Failure(description: "timed out after \(Units.describe(timeout)) sending to \(describe(target))")
                }
                continue
            }
            throw Failure(description: "sending to \(describe(target)) failed: \(String(cString: strerror(errno)))")
        }
    }

    private static func receive(fd: Int32, deadline: ContinuousClock.Instant, timeout: Duration, target: Target) throws -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let complete = completeLength(data), data.count >= complete { return Array(data.prefix(complete)) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, remainingMillis(deadline))
            if ready == 0 {
                throw Failure(description: "timed out after \(Units.describe(timeout)) waiting for a response from \(describe(target))")
            }
            if ready < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "waiting for \(describe(target)) failed: \(String(cString: strerror(errno)))")
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n]; continue }
            if n == 0 { return data }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
            if !data.isEmpty && errno == ECONNRESET { return data }
            throw Failure(description: "reading from \(describe(target)) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// The total length of a response whose length is known from its head (Content-Length), else nil.
    private static func completeLength(_ data: [UInt8]) -> Int? {
        guard let headEnd = headEnd(data) else { return nil }
        let head = String(decoding: data[..<headEnd], as: UTF8.self).lowercased()
        if head.contains("transfer-encoding:") { return nil }
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            if let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
                return headEnd + 4 + length
            }
        }
        if head.hasPrefix("http/1.1 204") || head.hasPrefix("http/1.1 304") { return headEnd + 4 }
        return nil
    }

    private static func headEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 {
            return i
        }
        return nil
    }

    private static func parse(_ data: [UInt8], target: Target) throws -> Response {
        guard let end = headEnd(data) else {
            throw Failure(description: data.isEmpty
                ? "\(describe(target)) closed the connection without a response"
                : "\(describe(target)) sent an incomplete HTTP response")
        }
        let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/"), let status = Int(statusParts[1]) else {
            throw Failure(description: "\(describe(target)) did not answer HTTP (status line '\(lines[0].prefix(80))')")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(data[(end + 4)...])
        let chunked = headers.contains {
            $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased().contains("chunked")
        }
        if chunked { body = try dechunk(body, target: target) }
        return Response(status: status, reason: statusParts.count > 2 ? String(statusParts[2]) : "", headers: headers, body: body)
    }

    private static func dechunk(_ data: [UInt8], target: Target) throws -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while true {
            guard let lineEnd = (index..<max(index, data.count - 1)).first(where: { data[$0] == 13 && data[$0 + 1] == 10 }) else {
                throw Failure(description: "\(describe(target)) sent a truncated chunked body")
            }
            let sizeText = String(decoding: data[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw Failure(description: "\(describe(target)) sent a malformed chunk size")
            }
            index = lineEnd + 2
            if size == 0 { return out }
            guard index + size <= data.count else {
                throw Failure(description: "\(describe(target)) sent a truncated chunked body")
            }
            out += data[index..<(index + size)]
            index += size + 2
        }
    }
}

/// `connect(2)`, named apart from the client's own `connect(to:)`.
private func systemConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.connect(fd, address, length)
    #else
    Darwin.connect(fd, address, length)
    #endif
}
