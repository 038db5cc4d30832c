import Foundation
import Logging
import Synchronization
import Testing
@testable import VendoHTTPServer
import VendoTesting
import VendoWebhooks

/// The README's code, compiled and run, so the front page cannot drift from the API.
@Suite("README examples")
struct ReadmeExamplesTests {
    @Test func testingYourCodeExample() async throws {
        let client = MockClient.withConnections([
            fakeConnection(slug: "slack", credential: ["access_token": "xoxb-test"]),
        ])
        #expect(try await client.token("slack") == "xoxb-test")
    }

    /// The router from "The HTTP server as a library", served on a real socket.
    @Test func serverLibraryExample() async throws {
        var router = Router()
        router.get("/") { _ in .text("ok\n") }
        router.post("/") { request in
            HTTPResponse(body: .bytes(try await request.body.collect(upTo: 1 << 20)))
        }
        router.get("/events") { _ in
            HTTPResponse(headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                for i in 1...3 { try await writer.write(Array("data: \(i)\n\n".utf8)) }
            })
        }

        try await withLoopbackServer(router) { port in
            let connection = try WireConnection(port: port)
            let root = try await connection.exchange(wireRequest("GET", "/"))
            #expect(root.status == 200)
            #expect(String(decoding: root.body, as: UTF8.self) == "ok\n")
            let echoed = try await connection.exchange(wireRequest("POST", "/", body: Array("hello".utf8)))
            #expect(echoed.body == Array("hello".utf8))
        }

        // The streamed route, in process: every write reaches the writer, in order.
        let response = try await router.respond(to: HTTPRequest(method: .get, target: "/events"))
        #expect(response.headers["content-type"] == "text/event-stream")
        let collected = CollectingWriter()
        guard case .stream(let produce) = response.body.storage else {
            Issue.record("expected a streamed body")
            return
        }
        try await produce(collected)
        #expect(collected.text == "data: 1\n\ndata: 2\n\ndata: 3\n\n")
    }

    /// The receiver from the "Swift closures" handler example, end to end.
    @Test func receiverExample() async throws {
        var receiver = try WebhookReceiver(environment: ["VENDO_WEBHOOK_SECRET": Fixture.secret])
        let seen = Mutex<[String]>([])
        receiver.on("connection.connected") { delivery in
            seen.withLock { $0.append(delivery.data["slug"]?.stringValue ?? "?") }
        }
        receiver.onError { _, _ in }
        var app = Router()
        app.get("/api/me") { request in .text(request.vendoIdentity?.email ?? "anonymous") }
        let endpoint = try WebhookEndpoint(receiver: receiver, userRoutes: app)

        try await withLoopbackServer(endpoint.responder()) { port in
            let connection = try WireConnection(port: port)
            let delivered = try await connection.exchange(signedWirePost(Fixture.envelope()))
            #expect(delivered.status == 200)
            let me = try await connection.exchange(wireRequest("GET", "/api/me"))
            #expect(String(decoding: me.body, as: UTF8.self) == "anonymous")
        }
        #expect(seen.withLock { $0 } == ["gmail"])
    }
}

private final class CollectingWriter: HTTPBodyWriter, @unchecked Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func write(_ chunk: [UInt8]) async throws { bytes.withLock { $0 += chunk } }
    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}
