import Foundation
import Testing
import Vendo
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A response as the test client read it.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
    var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as JSON (nil when it is not).
    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(body)) }
}

/// A deliberately independent HTTP/1.1 client for driving the binary: one
/// request per connection (`Connection: close`), blocking I/O on a thread of
/// its own so neither the Swift concurrency pool nor Dispatch's is held up.
enum TestHTTP {
    static func request(
        _ method: String, port: Int, path: String, headers: [(String, String)] = [], body: [UInt8] = [],
        host: String = "127.0.0.1", timeout: Duration = .seconds(60)
    ) async throws -> RawResponse {
        // A thread of its own per request: Dispatch's global pool is small on a
        // 2-core machine and shared with the whole test process, so parallel
        // suites blocking in it would starve each other's in-process servers.
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    try blockingRequest(method, host: host, port: port, path: path, headers: headers, body: body, timeout: timeout)
                })
            }
            thread.name = "TestHTTP.request"
            thread.start()
        }
    }

    /// Connects and returns whether something accepts on the port.
    static func canConnect(port: Int) -> Bool {
        guard let fd = try? connect(host: "127.0.0.1", port: port) else { return false }
        close(fd)
        return true
    }

    private static func connect(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLITestError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw CLITestError("connect to \(host):\(port) failed: \(String(cString: strerror(code)))")
        }
        return fd
    }

    private static func blockingRequest(
        _ method: String, host: String, port: Int, path: String, headers: [(String, String)], body: [UInt8], timeout: Duration
    ) throws -> RawResponse {
        let fd = try connect(host: host, port: port)
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !headers.contains(where: { $0.0.lowercased() == "content-length" }) && (!body.isEmpty || method == "POST") {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        let request = Array(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                // A server may answer (413) and close before reading everything: read what it said.
                break
            }
            sent += n
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { data += buffer[0..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                throw CLITestError("no complete response from 127.0.0.1:\(port)\(path) within \(timeout)")
            }
            break  // EOF or reset after the response
        }
        return try parse(data)
    }

    private static func parse(_ data: [UInt8]) throws -> RawResponse {
        guard let end = (0..<max(0, data.count - 3)).first(where: {
            data[$0] == 13 && data[$0 + 1] == 10 && data[$0 + 2] == 13 && data[$0 + 3] == 10
        }) else { throw CLITestError("incomplete response: \(String(decoding: data, as: UTF8.self))") }
        let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw CLITestError("bad status line \(lines[0])") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(data[(end + 4)...])
        if headers.contains(where: { $0.name.lowercased() == "transfer-encoding" }) {
            var out: [UInt8] = []
            var index = 0
            while let lineEnd = (index..<max(index, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }) {
                let size = Int(String(decoding: body[index..<lineEnd], as: UTF8.self), radix: 16) ?? 0
                if size == 0 { break }
                out += body[(lineEnd + 2)..<(lineEnd + 2 + size)]
                index = lineEnd + 2 + size + 2
            }
            body = out
        } else if let length = headers.first(where: { $0.name.lowercased() == "content-length" }).flatMap({ Int($0.value) }) {
            body = Array(body.prefix(length))
        }
        return RawResponse(status: status, headers: headers, body: body)
    }
}

/// Signs deliveries the way Vendo does, with the SDK's HMAC (not the binary's code).
struct TestSigner {
    var secret: String

    func headers(for body: [UInt8], timestamp: String = String(Int(Date().timeIntervalSince1970))) throws -> [(String, String)] {
        let mac = try HMACSHA256(key: secret).authenticationCode(for: Array(timestamp.utf8) + [UInt8(ascii: ".")] + body)
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        return [("Content-Type", "application/json"), ("Vendo-Signature", hex), ("Vendo-Timestamp", timestamp)]
    }

    static func envelope(id: String, type: String, data: String = "{}") -> [UInt8] {
        Array(#"{"id":"\#(id)","type":"\#(type)","occurred_at":"2026-05-07T12:00:00Z","data":\#(data)}"#.utf8)
    }
}

/// A running `vendo-webhooks serve` on an ephemeral port.
final class RunningServer: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let listeningLine: String

    /// Starts `serve --host 127.0.0.1 --port 0 ARGS` and waits for its `listening on` line.
    init(_ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil) async throws {
        child = try ChildProcess(try CLIBinary.require(), ["serve", "--host", "127.0.0.1", "--port", "0", "--idle-timeout", "60s", "--header-timeout", "60s"] + arguments,
                                 environment: environment, currentDirectory: currentDirectory)
        do {
            listeningLine = try await child.firstStdoutLine()
        } catch {
            child.terminateIfRunning()
            throw error
        }
        guard listeningLine.hasPrefix("listening on http://127.0.0.1:"),
              let port = Int(listeningLine.dropFirst("listening on http://127.0.0.1:".count)), port > 0 else {
            child.terminateIfRunning()
            throw CLITestError("unexpected first stdout line '\(listeningLine)'; stderr: \(child.stderr.text)")
        }
        self.port = port
    }

    var webhookURL: String { "http://127.0.0.1:\(port)/webhooks/vendo" }

    func post(_ body: [UInt8], headers: [(String, String)], path: String = "/webhooks/vendo") async throws -> RawResponse {
        try await TestHTTP.request("POST", port: port, path: path, headers: headers, body: body)
    }

    /// Sends SIGTERM and returns the exit status.
    func stop() async throws -> Int32 {
        child.signal(SIGTERM)
        return try await child.waitForExit()
    }

    deinit { child.terminateIfRunning() }
}
