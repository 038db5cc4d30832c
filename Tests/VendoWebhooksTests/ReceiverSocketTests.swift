import Foundation
import Testing
import Vendo
import VendoHTTPServer

@testable import VendoWebhooks

/// The receiver behind the real server, over real sockets on 127.0.0.1.
@Suite struct ReceiverSocketTests {
    private func endpoint(_ receiver: WebhookReceiver, _ configuration: WebhookEndpoint.Configuration = .init()) throws -> any HTTPResponder {
        try WebhookEndpoint(receiver: receiver, configuration: configuration, environment: ["TELEGRAM_SIGNING_SECRET": "tg_tok"]).responder()
    }

    @Test func goodDeliveryAndDuplicateOnOneKeepAliveConnection() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.on("connection.*") { seen.append($0) }
        try await withLoopbackServer(endpoint(receiver)) { port in
            let connection = try WireConnection(port: port)
            let body = Fixture.envelope(id: "evt_sock", data: #"{"slug":"gmail","emoji":"😀"}"#)
            let first = try await connection.exchange(signedWirePost(body))
            #expect(first.status == 200)
            #expect(first.json == ["ok": true, "id": "evt_sock"])
            #expect(first.header("Content-Type")?.hasPrefix("application/json") == true)
            let second = try await connection.exchange(signedWirePost(body))
            #expect(second.status == 200)
            #expect(second.json["duplicate"] == true)
            #expect(seen.count == 1)
            #expect(seen.all.first?.rawBody == body)
            #expect(seen.all.first?.data["emoji"] == "😀")
        }
    }

    @Test func verificationFailuresOverTheWire() async throws {
        let receiver = Fixture.receiver()
        try await withLoopbackServer(endpoint(receiver)) { port in
            let connection = try WireConnection(port: port)
            let body = Fixture.envelope()
            let requests: [[UInt8]] = [
                wireRequest("POST", "/webhooks/vendo", headers: [("Content-Type", "application/json")], body: body),
                signedWirePost(body, secret: "wrong"),
                wireRequest("POST", "/webhooks/vendo", headers: [("Vendo-Signature", String(repeating: "0", count: 64)), ("Vendo-Timestamp", "1")], body: body),
            ]
            for request in requests {
                let response = try await connection.exchange(request)
                #expect(response.status == 400)
                #expect(response.header("Vendo-Error-Code") == "validation_failed")
                #expect(response.json["error"]?["code"] == "validation_failed")
            }
        }
    }

    @Test func tooLargeMethodNotAllowedAndHealth() async throws {
        let receiver = Fixture.receiver(.init(maxBodySize: 256))
        try await withLoopbackServer(endpoint(receiver)) { port in
            let big = Fixture.envelope(data: "\"" + String(repeating: "z", count: 2000) + "\"")
            let tooLarge = try await WireConnection(port: port).exchange(signedWirePost(big))
            #expect(tooLarge.status == 413)
            #expect(tooLarge.json["error"]?["code"] == "payload_too_large")

            let connection = try WireConnection(port: port)
            let get = try await connection.exchange(wireRequest("GET", "/webhooks/vendo"))
            #expect(get.status == 405)
            #expect(get.header("Allow") == "POST")
            let health = try await connection.exchange(wireRequest("GET", "/healthz"))
            #expect(health.status == 200)
            #expect(health.body == Array(#"{"ok":true}"#.utf8))
        }
    }

    @Test func chunkedBodyOverTheLimitIs413() async throws {
        let receiver = Fixture.receiver(.init(maxBodySize: 100))
        try await withLoopbackServer(endpoint(receiver)) { port in
            let body = Fixture.envelope(data: "\"" + String(repeating: "c", count: 300) + "\"")
            var headers = Fixture.signatureHeaders(body).map { "\($0.name): \($0.value)\r\n" }.joined()
            headers += "Transfer-Encoding: chunked\r\n"
            let chunk = String(body.count, radix: 16)
            let request = Array("POST /webhooks/vendo HTTP/1.1\r\nHost: x\r\n\(headers)\r\n\(chunk)\r\n".utf8) + body + Array("\r\n0\r\n\r\n".utf8)
            let response = try await WireConnection(port: port).exchange(request)
            #expect(response.status == 413)
        }
    }

    @Test func handlerFailureThenRetryOverTheWire() async throws {
        var receiver = Fixture.receiver()
        let attempts = Recorder<Int>()
        receiver.onAny { _ in
            attempts.append(1)
            if attempts.count == 1 { throw TestFailure("first time fails") }
        }
        try await withLoopbackServer(endpoint(receiver)) { port in
            let connection = try WireConnection(port: port)
            let body = Fixture.envelope(id: "evt_503")
            let failed = try await connection.exchange(signedWirePost(body))
            #expect(failed.status == 503)
            #expect(failed.header("Retry-After") == "5")
            #expect(failed.json["error"]?["code"] == "handler_failed")
            let retried = try await connection.exchange(signedWirePost(body))
            #expect(retried.status == 200)
            #expect(retried.json["duplicate"] == nil)
            #expect(attempts.count == 2)
        }
    }

    @Test func providerAndDirectTelegramOverTheWire() async throws {
        var receiver = Fixture.receiver()
        let keys = Recorder<String>()
        receiver.on("provider.telegram") { keys.append($0.dedupeKey) }
        try await withLoopbackServer(endpoint(receiver, .init(telegramPath: "/webhooks/telegram"))) { port in
            let connection = try WireConnection(port: port)
            let update = Array(#"{"update_id":42,"message":{"text":"hello"}}"#.utf8)
            let forwarded = try await connection.exchange(signedWirePost(update, extra: [("x-vendo-provider", "telegram"), ("x-vendo-connection-id", "c1")]))
            #expect(forwarded.status == 200)
            let again = try await connection.exchange(signedWirePost(update, extra: [("x-vendo-provider", "telegram"), ("x-vendo-connection-id", "c1")]))
            #expect(again.json["duplicate"] == true)

            let direct = try await connection.exchange(wireRequest(
                "POST", "/webhooks/telegram", headers: [("X-Telegram-Bot-Api-Secret-Token", "tg_tok")], body: update))
            #expect(direct.status == 200)
            let wrong = try await connection.exchange(wireRequest(
                "POST", "/webhooks/telegram", headers: [("X-Telegram-Bot-Api-Secret-Token", "nope")], body: update))
            #expect(wrong.status == 401)
            #expect(keys.all == ["telegram:c1:42", "telegram:direct:42"])
        }
    }

    @Test func concurrentDuplicatesOverSeparateConnections() async throws {
        var receiver = Fixture.receiver()
        let runs = Recorder<Int>()
        receiver.onAny { _ in
            runs.append(1)
            try await Task.sleep(for: .milliseconds(100))
        }
        try await withLoopbackServer(endpoint(receiver)) { port in
            let body = Fixture.envelope(id: "evt_parallel")
            let results = try await withThrowingTaskGroup(of: WireResponse.self) { group in
                for _ in 0..<16 {
                    group.addTask { try await WireConnection(port: port).exchange(signedWirePost(body)) }
                }
                var all: [WireResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            #expect(results.allSatisfy { $0.status == 200 })
            #expect(results.filter { $0.json["duplicate"] == true }.count == 15)
            #expect(runs.count == 1)
        }
    }

    @Test func spoofedIdentityIgnoredWithoutVendoAuth() async throws {
        try await withLoopbackServer(try WebhookEndpoint(receiver: Fixture.receiver(), environment: [:]).responder()) { port in
            let response = try await WireConnection(port: port).exchange(wireRequest(
                "GET", "/api/vendo/identity",
                headers: [("X-Vendo-User-Id", "evil"), ("X-Vendo-User-Email", "e@x"), ("X-Vendo-Tenant-Id", "t"), ("X-Vendo-Role", "owner")]))
            #expect(response.status == 200)
            #expect(response.body == Array("{}".utf8))
        }
    }
}
