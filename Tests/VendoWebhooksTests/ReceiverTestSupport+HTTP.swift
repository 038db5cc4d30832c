import Foundation
import Vendo
import VendoHTTPServer
@testable import VendoHTTPServer
@testable import VendoWebhooks

#if canImport(Glibc)
    import Glibc
#endif

/// Signing and request building for receiver tests.
enum Fixture {
    static let secret = "whsec_receiver_tests"

    /// An envelope body.
    static func envelope(id: String = "evt_\(UUID().uuidString)", type: String = "connection.connected", data: String = #"{"slug":"gmail"}"#) -> [UInt8] {
        Array(#"{"id":"\#(id)","type":"\#(type)","occurred_at":"2026-05-07T10:00:00Z","data":\#(data)}"#.utf8)
    }

    /// `Vendo-Signature` / `Vendo-Timestamp` for `body`, signed with `secret` at `date`.
    static func signatureHeaders(_ body: [UInt8], secret: String = secret, date: Date = Date()) -> HTTPHeaders {
        let signed = try! WebhookSigner(secret: secret).sign(body: body, timestamp: date)
        var headers = HTTPHeaders()
        for (name, value) in signed.sorted(by: { $0.key < $1.key }) { headers.add(name: name, value: value) }
        return headers
    }

    /// A signed POST, in process.
    static func post(
        _ body: [UInt8], path: String = "/webhooks/vendo", secret: String = secret, date: Date = Date(),
        extra: [(String, String)] = []
    ) -> HTTPRequest {
        var headers = signatureHeaders(body, secret: secret, date: date)
        headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in extra { headers.add(name: name, value: value) }
        return HTTPRequest(method: .post, target: path, headers: headers, body: HTTPRequestBody(bytes: body))
    }

    /// A receiver with the test secret.
    static func receiver(
        _ configuration: WebhookReceiver.Configuration = .init(), logger: Logger? = nil
    ) -> WebhookReceiver {
        try! WebhookReceiver(
            secrets: [secret], configuration: configuration, logger: logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

import Logging

extension HTTPResponse {
    /// The fixed body's bytes (in-process tests).
    var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body.storage { return bytes }
        return []
    }

    /// The body parsed as JSON (`.null` when it is not JSON).
    var json: JSONValue { (try? JSONValue.parse(utf8: bodyBytes)) ?? .null }

    var bodyText: String { String(decoding: bodyBytes, as: UTF8.self) }
}

// MARK: - Real sockets

/// A response read off a socket.
struct WireResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var json: JSONValue { (try? JSONValue.parse(utf8: body)) ?? .null }
}

struct WireClientError: Error, CustomStringConvertible {
    let description: String
}

/// A blocking HTTP/1.1 client on one keep-alive connection. Each call runs on
/// a thread of its own: never on the cooperative pool the receiver's handlers
/// need, nor on Dispatch's global pool the server's connections run on (a few
/// blocked reads there starve the very server they wait for).
final class WireConnection: @unchecked Sendable {
    private let fd: Int32
    private var buffered: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WireClientError(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw WireClientError(description: "connect to port \(port): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends a request and reads one response.
    func exchange(_ request: [UInt8]) async throws -> WireResponse {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    try self.sendAll(request)
                    continuation.resume(returning: try self.readResponse())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                // The server may answer (413) and close before taking the whole body.
                if errno == EPIPE || errno == ECONNRESET { return }
                throw WireClientError(description: "send: errno \(errno)")
            }
            offset += sent
        }
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { buffered.append(contentsOf: chunk[0..<count]); return true }
            if count == 0 { return false }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return false }
            throw WireClientError(description: "recv: errno \(errno)")
        }
    }

    private func readResponse() throws -> WireResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if let range = buffered.firstRange(of: separator) { headEnd = range.upperBound; break }
            guard try fill() else { throw WireClientError(description: "connection closed before the response head") }
        }
        let head = String(decoding: buffered[0..<headEnd!], as: UTF8.self)
        buffered.removeFirst(headEnd!)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw WireClientError(description: "bad status line")
        }
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffered.count < length {
            guard try fill() else { throw WireClientError(description: "connection closed mid-body") }
        }
        let body = Array(buffered[0..<length])
        buffered.removeFirst(length)
        return WireResponse(status: status, headers: headers, body: body)
    }
}

/// A request as bytes on the wire.
func wireRequest(
    _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []
) -> [UInt8] {
    var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for (name, value) in headers { text += "\(name): \(value)\r\n" }
    if !body.isEmpty || method == "POST" { text += "Content-Length: \(body.count)\r\n" }
    text += "\r\n"
    return Array(text.utf8) + body
}

/// A signed POST as bytes on the wire.
func signedWirePost(_ body: [UInt8], path: String = "/webhooks/vendo", secret: String = Fixture.secret, extra: [(String, String)] = []) -> [UInt8] {
    var headers = Fixture.signatureHeaders(body, secret: secret).map { ($0.name, $0.value) }
    headers.append(("Content-Type", "application/json"))
    headers.append(contentsOf: extra)
    return wireRequest("POST", path, headers: headers, body: body)
}

/// Runs `body` with a server for `responder` listening on 127.0.0.1 at an ephemeral port.
func withLoopbackServer(
    _ responder: any HTTPResponder, maxBodySize: Int? = nil, _ body: (Int) async throws -> Void
) async throws {
    // Generous timeouts: `swift test` runs every suite at once, and on a loaded
    // 2-core machine a client may wait seconds between connecting and sending.
    var configuration = HTTPServer.Configuration(
        host: "127.0.0.1", port: 0,
        timeouts: .init(headerRead: .seconds(60), bodyRead: .seconds(60), idle: .seconds(60), write: .seconds(60)))
    if let maxBodySize { configuration.limits.maxBodySize = maxBodySize }
    let server = HTTPServer(configuration: configuration, logger: Logger(label: "test.server", factory: { _ in SwiftLogNoOpLogHandler() }), responder: responder)
    try server.start()
    do {
        try await body(server.port)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}
