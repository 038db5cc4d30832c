import Foundation
import Testing
import Vendo
import VendoHTTPServer

@testable import VendoWebhooks

@Suite struct TelegramWebhookResponderTests {
    private let token = "tg_secret_TOKEN-123"

    private func update(_ id: Int) -> [UInt8] {
        Array(#"{"update_id":\#(id),"message":{"message_id":5,"text":"/start","chat":{"id":99}}}"#.utf8)
    }

    private func request(_ body: [UInt8], token: String?) -> HTTPRequest {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let token { headers.add(name: "X-Telegram-Bot-Api-Secret-Token", value: token) }
        return HTTPRequest(method: .post, target: "/webhooks/telegram", headers: headers, body: HTTPRequestBody(bytes: body))
    }

    @Test func goodTokenDispatchesAProviderDelivery() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.on("provider.telegram") { seen.append($0) }
        let telegram = try receiver.telegramResponder(secretToken: token)
        let response = try await telegram.respond(to: request(update(1001), token: token))
        #expect(response.status == .ok)
        #expect(response.json == ["ok": true, "id": "telegram:direct:1001"])
        let delivery = try #require(seen.all.first)
        #expect(delivery.source == .telegramDirect)
        #expect(delivery.provider == "telegram")
        #expect(delivery.connectionID == nil)
        #expect(delivery.dedupeKey == "telegram:direct:1001")
        #expect(delivery.data["message"]?["text"] == "/start")
        #expect(delivery.rawBody == update(1001))
    }

    @Test func duplicateUpdateIsAcknowledgedOnce() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<String>()
        receiver.onAny { seen.append($0.id) }
        let telegram = try receiver.telegramResponder(secretToken: token)
        #expect(try await telegram.respond(to: request(update(7), token: token)).status == .ok)
        let again = try await telegram.respond(to: request(update(7), token: token))
        #expect(again.json["duplicate"] == true)
        #expect(seen.count == 1)
    }

    @Test func missingOrWrongTokenIs401() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<String>()
        receiver.onAny { seen.append($0.id) }
        let telegram = try receiver.telegramResponder(secretToken: token)
        for sent in [nil, "", "wrong", token + "x", String(token.dropLast()), token.uppercased()] {
            let response = try await telegram.respond(to: request(update(1), token: sent))
            #expect(response.status == .unauthorized, "\(String(describing: sent))")
            #expect(response.json["error"]?["code"] == "unauthorized")
            #expect(response.json["error"]?["message"]?.stringValue?.contains(token) == false)
        }
        #expect(seen.count == 0)
        #expect(receiver.metrics.count(.unauthorized) == 6)
    }

    @Test func notAnUpdateIs400() async throws {
        let receiver = Fixture.receiver()
        let telegram = try receiver.telegramResponder(secretToken: token)
        for body in [#"{"message":{}}"#, #"{"update_id":"7"}"#, "[]", "nope"] {
            let response = try await telegram.respond(to: request(Array(body.utf8), token: token))
            #expect(response.status == .badRequest, "\(body)")
            #expect(response.headers["Vendo-Error-Code"] == "validation_failed")
        }
    }

    @Test func handlerFailureIs503SoTelegramRetries() async throws {
        var receiver = Fixture.receiver()
        receiver.on("provider.telegram") { _ in throw TestFailure("down") }
        let telegram = try receiver.telegramResponder(secretToken: token)
        let response = try await telegram.respond(to: request(update(3), token: token))
        #expect(response.status == .serviceUnavailable)
    }

    @Test func refusesToConstructWithoutASecret() {
        let receiver = Fixture.receiver()
        #expect(throws: WebhookConfigurationError.self) { try receiver.telegramResponder(secretToken: "") }
        #expect(throws: WebhookConfigurationError.self) { try receiver.telegramResponder(secretToken: "   ") }
        #expect(throws: WebhookConfigurationError.self) { try receiver.telegramResponder(environment: [:]) }
        #expect(throws: Never.self) { try receiver.telegramResponder(environment: ["TELEGRAM_SIGNING_SECRET": "abc"]) }
    }

    @Test func onlyPost() async throws {
        let telegram = try Fixture.receiver().telegramResponder(secretToken: token)
        let response = try await telegram.respond(to: HTTPRequest(method: .get, target: "/webhooks/telegram"))
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "POST")
    }
}
