import Foundation
import Testing
import Vendo
import VendoHTTPServer

@testable import VendoWebhooks

@Suite struct WebhookEndpointTests {
    private func call(_ responder: any HTTPResponder, _ method: HTTPMethod, _ target: String, headers: HTTPHeaders = [:]) async throws -> HTTPResponse {
        try await responder.respond(to: HTTPRequest(method: method, target: target, headers: headers))
    }

    @Test func healthIsCheapAndOpen() async throws {
        let endpoint = try WebhookEndpoint(receiver: Fixture.receiver(), environment: ["VENDO_AUTH": "1"]).responder()
        let response = try await call(endpoint, .get, "/healthz")
        #expect(response.status == .ok)
        #expect(response.bodyText == #"{"ok":true}"#)
        #expect(try await call(endpoint, .head, "/healthz").status == .ok)
        #expect(try await call(endpoint, .get, "/healthz?probe=1").status == .ok)
        let post = try await call(endpoint, .post, "/healthz")
        #expect(post.status == .methodNotAllowed)
        #expect(post.headers["Allow"] == "GET, HEAD")
    }

    @Test func webhookPathGoesToTheReceiverWithoutIdentity() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<String>()
        receiver.onAny { seen.append($0.id) }
        // Even with SSO on and identity required for user routes, the webhook needs none.
        let endpoint = try WebhookEndpoint(
            receiver: receiver, configuration: .init(requireIdentityForUserRoutes: true),
            userRoutes: ClosureResponder { _ in .text("user") }, environment: ["VENDO_AUTH": "1"]
        ).responder()
        let response = try await endpoint.respond(to: Fixture.post(Fixture.envelope(id: "evt_ep")))
        #expect(response.status == .ok)
        #expect(seen.all == ["evt_ep"])
        #expect(try await call(endpoint, .get, "/webhooks/vendo").headers["Allow"] == "POST")
    }

    @Test func customPaths() async throws {
        var receiver = Fixture.receiver()
        receiver.onAny { _ in }
        let endpoint = try WebhookEndpoint(
            receiver: receiver,
            configuration: .init(webhookPath: "/hooks", healthPath: "/live", identityPath: nil), environment: [:]
        ).responder()
        #expect(try await endpoint.respond(to: Fixture.post(Fixture.envelope(), path: "/hooks")).status == .ok)
        #expect(try await call(endpoint, .get, "/live").status == .ok)
        #expect(try await call(endpoint, .get, "/healthz").status == .notFound)
        #expect(try await call(endpoint, .get, "/api/vendo/identity").status == .notFound)
        let missing = try await endpoint.respond(to: Fixture.post(Fixture.envelope(), path: "/webhooks/vendo"))
        #expect(missing.status == .notFound)
        #expect(missing.json["error"]?["code"] == "not_found")
    }

    @Test func identityEndpointFollowsTrust() async throws {
        let headers: HTTPHeaders = [
            "X-Vendo-User-Id": "u", "X-Vendo-User-Email": "e@x", "X-Vendo-Tenant-Id": "t", "X-Vendo-Role": "viewer",
        ]
        let trusted = try WebhookEndpoint(receiver: Fixture.receiver(), environment: ["VENDO_AUTH": "1"]).responder()
        #expect(try await call(trusted, .get, "/api/vendo/identity", headers: headers).json["user_id"] == "u")
        let untrusted = try WebhookEndpoint(receiver: Fixture.receiver(), environment: [:]).responder()
        #expect(try await call(untrusted, .get, "/api/vendo/identity", headers: headers).bodyText == "{}")
        let forced = try WebhookEndpoint(receiver: Fixture.receiver(), configuration: .init(trustProxy: true), environment: [:]).responder()
        #expect(try await call(forced, .get, "/api/vendo/identity", headers: headers).json["role"] == "viewer")
    }

    @Test func userRoutesSitBehindSSO() async throws {
        var router = Router()
        router.get("/me") { request in .text(request.vendoIdentity?.userID ?? "anonymous") }
        let headers: HTTPHeaders = [
            "X-Vendo-User-Id": "u1", "X-Vendo-User-Email": "e@x", "X-Vendo-Tenant-Id": "t", "X-Vendo-Role": "owner",
        ]
        let open = try WebhookEndpoint(receiver: Fixture.receiver(), userRoutes: router, environment: [:]).responder()
        #expect(try await call(open, .get, "/me", headers: headers).bodyText == "anonymous")
        let trusted = try WebhookEndpoint(receiver: Fixture.receiver(), userRoutes: router, environment: ["VENDO_AUTH": "1"]).responder()
        #expect(try await call(trusted, .get, "/me", headers: headers).bodyText == "u1")
        let required = try WebhookEndpoint(
            receiver: Fixture.receiver(), configuration: .init(requireIdentityForUserRoutes: true), userRoutes: router,
            environment: ["VENDO_AUTH": "1"]
        ).responder()
        #expect(try await call(required, .get, "/me").status == .unauthorized)
        #expect(try await call(required, .get, "/me", headers: headers).status == .ok)
        #expect(try await call(required, .get, "/healthz").status == .ok)
    }

    @Test func metricsAreOptIn() async throws {
        let receiver = Fixture.receiver()
        let off = try WebhookEndpoint(receiver: receiver, environment: [:]).responder()
        #expect(try await call(off, .get, "/metrics").status == .notFound)
        let on = try WebhookEndpoint(receiver: receiver, configuration: .init(metricsPath: "/metrics"), environment: [:]).responder()
        _ = try await on.respond(to: Fixture.post(Fixture.envelope()))
        let response = try await call(on, .get, "/metrics")
        #expect(response.status == .ok)
        #expect(response.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(response.bodyText.contains(#"vendo_webhook_deliveries_total{outcome="ok"} 1"#))
    }

    @Test func telegramPathIsOptInAndNeedsASecret() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<String>()
        receiver.on("provider.telegram") { seen.append($0.id) }
        #expect(throws: WebhookConfigurationError.self) {
            try WebhookEndpoint(receiver: receiver, configuration: .init(telegramPath: "/tg"), environment: [:])
        }
        let endpoint = try WebhookEndpoint(
            receiver: receiver, configuration: .init(telegramPath: "/tg"), environment: ["TELEGRAM_SIGNING_SECRET": "tok"]
        ).responder()
        let body = Array(#"{"update_id":5}"#.utf8)
        let good = try await endpoint.respond(to: HTTPRequest(
            method: .post, target: "/tg", headers: ["X-Telegram-Bot-Api-Secret-Token": "tok"], body: HTTPRequestBody(bytes: body)))
        #expect(good.status == .ok)
        let bad = try await endpoint.respond(to: HTTPRequest(
            method: .post, target: "/tg", headers: ["X-Telegram-Bot-Api-Secret-Token": "nope"], body: HTTPRequestBody(bytes: body)))
        #expect(bad.status == .unauthorized)
        #expect(seen.all == ["telegram:direct:5"])
    }

    @Test func badPathsAreRefused() {
        let receiver = Fixture.receiver()
        let bad: [WebhookEndpoint.Configuration] = [
            .init(webhookPath: "webhooks"), .init(healthPath: "/h ealth"), .init(webhookPath: "/x?y"),
            .init(webhookPath: "/same", healthPath: "/same"), .init(metricsPath: "/healthz"),
        ]
        for configuration in bad {
            #expect(throws: WebhookConfigurationError.self) {
                try WebhookEndpoint(receiver: receiver, configuration: configuration, environment: [:])
            }
        }
    }
}
