import Foundation
import Testing
import VendoHTTPServer

@testable import Vendo

/// `URLSessionTransport.maxResponseBytes` over a real socket: a declared or
/// streamed body over the limit fails with `response_too_large` while reading,
/// and a body within it arrives whole.
@Suite struct ResponseSizeLimitTests {
    /// A real HTTP server on 127.0.0.1 answering every request with `respond`, counting requests.
    final class RawServer: Sendable {
        let server: HTTPServer
        let requests = Locked(0)

        init(_ respond: @escaping @Sendable () -> HTTPResponse) throws {
            let requests = self.requests
            server = HTTPServer(
                configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0),
                responder: ClosureResponder { _ in
                    requests.withLock { $0 += 1 }
                    return respond()
                })
            try server.start()
        }

        var url: URL { URL(string: "http://127.0.0.1:\(server.port)/api/billing/balance")! }
    }

    /// Runs `body` against a raw server and always shuts it down.
    func withServer(
        _ respond: @escaping @Sendable () -> HTTPResponse, _ body: (RawServer) async throws -> Void
    ) async throws {
        let server = try RawServer(respond)
        do {
            try await body(server)
        } catch {
            await server.server.shutdown()
            throw error
        }
        await server.server.shutdown()
    }

    /// A chunked body (no Content-Length) that writes 1 KiB pieces until the client goes away.
    static func endlessBody(ended: Locked<Bool>) -> HTTPResponse {
        HTTPResponse(status: .ok, body: .stream { writer in
            defer { ended.withLock { $0 = true } }
            let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 1024)
            while !Task.isCancelled { try await writer.write(piece) }
        })
    }

    static func isTooLarge(_ error: any Error, limit: Int, mentioning seen: String) -> Bool {
        guard let error = error as? VendoError, case .other(let code, let message, let status) = error else {
            return false
        }
        return code == "response_too_large" && status == 200 && message.contains("\(limit)-byte limit")
            && message.contains(seen) && message.contains("maxResponseBytes")
    }

    @Test func theDefaultLimitIs16MiB() {
        #expect(URLSessionTransport().maxResponseBytes == 16 * 1024 * 1024)
        #expect(URLSessionTransport.defaultMaxResponseBytes == 16 * 1024 * 1024)
        #expect(URLSessionTransport(maxResponseBytes: -5).maxResponseBytes == 0)
    }

    @Test func aDeclaredContentLengthOverTheLimitFailsAtTheHead() async throws {
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
        try await withServer({ HTTPResponse(status: .ok, body: .bytes(body)) }) { server in
            let transport = URLSessionTransport(maxResponseBytes: 1000)
            await #expect {
                _ = try await transport.send(TransportRequest(method: "GET", url: server.url, timeout: 30))
            } throws: { error in
                Self.isTooLarge(error, limit: 1000, mentioning: "Content-Length: 200000")
            }
        }
    }

    @Test func aChunkedBodyOverTheLimitStopsBeingRead() async throws {
        let ended = Locked(false)
        try await withServer({ Self.endlessBody(ended: ended) }) { server in
            let transport = URLSessionTransport(maxResponseBytes: 10_000)
            await #expect {
                _ = try await transport.send(TransportRequest(method: "GET", url: server.url, timeout: 60))
            } throws: { error in
                Self.isTooLarge(error, limit: 10_000, mentioning: "sent more than that")
            }
            // The body never ends on its own: the server's writer stops only because the client hung up.
            await waitUntil("the server to see the client hang up") { ended.withLock { $0 } }
        }
    }

    @Test(arguments: [false, true])
    func aBodyAtTheLimitArrivesWhole(chunked: Bool) async throws {
        let body = (0..<4096).map { UInt8($0 % 251) }
        try await withServer({
            chunked
                ? HTTPResponse(status: .ok, body: .stream { writer in
                    for start in stride(from: 0, to: body.count, by: 1000) {
                        try await writer.write(Array(body[start..<min(start + 1000, body.count)]))
                    }
                })
                : HTTPResponse(status: .ok, body: .bytes(body))
        }) { server in
            let response = try await URLSessionTransport(maxResponseBytes: body.count).send(
                TransportRequest(method: "GET", url: server.url, timeout: 30))
            #expect(response.status == 200)
            #expect(response.body == Data(body))
        }
    }

    @Test func theClientReportsItOnceWithoutRetrying() async throws {
        let ended = Locked(false)
        try await withServer({ Self.endlessBody(ended: ended) }) { server in
            let sleeps = SleepRecorder()
            let vendo = try Vendo(
                apiKey: uniqueKey(), baseURL: "http://127.0.0.1:\(server.server.port)", env: [:],
                transport: URLSessionTransport(maxResponseBytes: 4096), retryPolicy: sleeps.policy(maxAttempts: 3))
            await #expect {
                _ = try await vendo.billing.balance()
            } throws: { error in
                Self.isTooLarge(error, limit: 4096, mentioning: "/api/billing/balance")
            }
            #expect(server.requests.withLock { $0 } == 1)
            #expect(sleeps.sleeps.isEmpty)
        }
    }
}
