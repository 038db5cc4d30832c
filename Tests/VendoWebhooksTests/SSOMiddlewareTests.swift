import Foundation
import Testing
import Vendo
import VendoHTTPServer

@testable import VendoWebhooks

@Suite struct SSOMiddlewareTests {
    private let identityHeaders: HTTPHeaders = [
        "X-Vendo-User-Id": "usr_1", "X-Vendo-User-Email": "ada@example.com", "X-Vendo-User-Name": "Ada",
        "X-Vendo-Tenant-Id": "ten_9", "X-Vendo-Role": "owner", "X-Vendo-User-JWT": "jwt.token.here",
    ]

    /// A responder that reports what it saw.
    private struct Probe: HTTPResponder {
        func respond(to request: HTTPRequest) async throws -> HTTPResponse {
            let identity = request.vendoIdentity
            let fields: [(String, String)] = [
                ("user", identity?.userID ?? "-"), ("email", identity?.email ?? "-"),
                ("header", request.headers["X-Vendo-User-Id"] ?? "-"), ("jwt", request.headers["X-Vendo-User-JWT"] ?? "-"),
            ]
            return .json(JSONText.object(fields))
        }
    }

    private func get(_ responder: any HTTPResponder, headers: HTTPHeaders) async throws -> HTTPResponse {
        try await responder.respond(to: HTTPRequest(method: .get, target: "/app", headers: headers))
    }

    @Test func spoofedHeadersAreIgnoredAndStrippedWithoutTrust() async throws {
        let responder = Probe().wrapped(in: SSOMiddleware(trustProxy: false))
        let response = try await get(responder, headers: identityHeaders)
        #expect(response.json == ["user": "-", "email": "-", "header": "-", "jwt": "-"])
    }

    @Test func withoutVendoAuthTheDefaultIsNoTrust() async throws {
        let middleware = SSOMiddleware(environment: [:])
        #expect(!middleware.trustsProxy)
        #expect(!SSOMiddleware(environment: ["VENDO_AUTH": "0"]).trustsProxy)
        let response = try await get(Probe().wrapped(in: middleware), headers: identityHeaders)
        #expect(response.json["user"] == "-")
    }

    @Test func trustedProxyHeadersBecomeTheIdentity() async throws {
        for middleware in [SSOMiddleware(trustProxy: true), SSOMiddleware(environment: ["VENDO_AUTH": "1"])] {
            #expect(middleware.trustsProxy)
            let response = try await get(Probe().wrapped(in: middleware), headers: identityHeaders)
            #expect(response.json == ["user": "usr_1", "email": "ada@example.com", "header": "usr_1", "jwt": "jwt.token.here"])
        }
    }

    @Test func incompleteHeadersGiveNoIdentity() async throws {
        var headers = identityHeaders
        headers.remove(name: "X-Vendo-Role")
        let response = try await get(Probe().wrapped(in: SSOMiddleware(trustProxy: true)), headers: headers)
        #expect(response.json["user"] == "-")
    }

    @Test func requireIdentityAnswers401() async throws {
        let required = Probe().wrapped(in: SSOMiddleware(trustProxy: true, requireIdentity: true))
        let missing = try await get(required, headers: [:])
        #expect(missing.status == .unauthorized)
        #expect(missing.json["error"]?["code"] == "identity_not_present")
        #expect(missing.headers["Vendo-Error-Code"] == "identity_not_present")
        #expect(try await get(required, headers: identityHeaders).status == .ok)

        // Untrusted: even complete headers do not count.
        let untrusted = Probe().wrapped(in: SSOMiddleware(trustProxy: false, requireIdentity: true))
        #expect(try await get(untrusted, headers: identityHeaders).status == .unauthorized)
    }

    @Test func requireIdentityMiddlewareOnOneRoute() async throws {
        let responder = Probe().wrapped(in: RequireIdentityMiddleware()).wrapped(in: SSOMiddleware(trustProxy: true))
        #expect(try await get(responder, headers: [:]).status == .unauthorized)
        #expect(try await get(responder, headers: identityHeaders).status == .ok)
    }

    @Test func identityEndpointReturnsTheSDKShape() async throws {
        let endpoint = IdentityEndpoint().wrapped(in: SSOMiddleware(trustProxy: true))
        let response = try await get(endpoint, headers: identityHeaders)
        #expect(response.status == .ok)
        let expected = SSO.identityResponse(headers: identityHeaders)
        #expect(!expected.isEmpty)
        #expect(response.json == .object(expected.mapValues { .string($0) }))
        #expect(response.json["user_id"] == "usr_1")
        #expect(try await get(endpoint, headers: [:]).bodyText == "{}")
    }

    @Test func identityEndpointNeverEchoesUntrustedHeaders() async throws {
        let behindUntrusted = IdentityEndpoint().wrapped(in: SSOMiddleware(trustProxy: false))
        #expect(try await get(behindUntrusted, headers: identityHeaders).bodyText == "{}")
        // Mounted bare, without the middleware: still nothing.
        #expect(try await get(IdentityEndpoint(), headers: identityHeaders).bodyText == "{}")
        let post = try await IdentityEndpoint().respond(to: HTTPRequest(method: .post, target: "/api/vendo/identity"))
        #expect(post.status == .methodNotAllowed)
    }

    /// The one line the docs show: `try vendo.forRequest(headers: request.headers)`.
    @Test func userScopedClientOnlyWhenTrusted() async throws {
        let base = try Vendo(apiKey: "vendo_sk_test", env: [:])
        struct ClientProbe: HTTPResponder {
            let base: Vendo
            func respond(to request: HTTPRequest) async throws -> HTTPResponse {
                do {
                    _ = try base.forRequest(headers: request.headers)
                    return .text("scoped")
                } catch let error as VendoError {
                    return .text("\(error.code)")
                }
            }
        }
        let trusted = ClientProbe(base: base).wrapped(in: SSOMiddleware(trustProxy: true))
        let untrusted = ClientProbe(base: base).wrapped(in: SSOMiddleware(trustProxy: false))
        #expect(try await get(trusted, headers: identityHeaders).bodyText == "scoped")
        #expect(try await get(untrusted, headers: identityHeaders).bodyText == "identity_not_present")
        #expect(try await get(trusted, headers: [:]).bodyText == "identity_not_present")
    }
}
