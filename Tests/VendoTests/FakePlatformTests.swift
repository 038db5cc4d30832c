import Foundation
import Testing
@testable import VendoTesting

@testable import Vendo

/// The fake platform itself: routing, auth, recording and injection, seen through plain URLSession.
@Suite struct FakePlatformTests {
    private func get(_ url: URL, headers: [String: String] = [:]) async throws -> TransportResponse {
        try await URLSessionTransport().send(TransportRequest(method: "GET", url: url, headers: headers, timeout: 30))
    }

    @Test func routesByPath() {
        #expect(FakePlatform.route(method: "GET", path: "/credentials/slack") == .token)
        #expect(FakePlatform.route(method: "GET", path: "/credentials/_bulk") == .bulkTokens)
        #expect(FakePlatform.route(method: "GET", path: "/api/deployments/me/connections") == .connections)
        #expect(FakePlatform.route(method: "GET", path: "/api/deployments/me/events") == .events)
        #expect(FakePlatform.route(method: "GET", path: "/api/integrations") == .integrations)
        #expect(FakePlatform.route(method: "GET", path: "/api/integrations/notion") == .integration)
        #expect(FakePlatform.route(method: "GET", path: "/api/billing/spend-caps") == .spendCaps)
        #expect(FakePlatform.route(method: "POST", path: "/data-proxy/v1/execute") == .execute)
        #expect(FakePlatform.route(method: "GET", path: "/data-proxy/v1/execute") == .unknown)
        #expect(FakePlatform.route(method: "DELETE", path: "/provider/x/y") == .provider)
        #expect(FakePlatform.route(method: "GET", path: "/nope") == .unknown)
    }

    @Test func requiresAPIKeyExceptForTheCatalogue() async throws {
        try await withPlatform { platform in
            let denied = try await get(platform.baseURL.appendingPathComponent("api/billing/balance"))
            #expect(denied.status == 401)
            #expect(denied.header("vendo-error-code") == "app_unknown")
            let open = try await get(platform.baseURL.appendingPathComponent("api/integrations"))
            #expect(open.status == 200)
            platform.acceptAPIKeys(["good"])
            let bad = try await get(
                platform.baseURL.appendingPathComponent("api/billing/balance"), headers: ["Authorization": "Bearer bad"])
            #expect(bad.status == 401)
            let good = try await get(
                platform.baseURL.appendingPathComponent("api/billing/balance"), headers: ["Authorization": "Bearer good"])
            #expect(good.status == 200)
        }
    }

    @Test func recordsMethodPathQueryHeadersAndBody() async throws {
        try await withPlatform { platform in
            _ = try await URLSessionTransport().send(TransportRequest(
                method: "POST", url: URL(string: "\(platform.dataProxyURL.absoluteString)/v1/execute?x=1")!,
                headers: ["Authorization": "Bearer k", "X-Test": "yes"], body: Data(#"{"action_id":"A"}"#.utf8)))
            let recorded = try #require(platform.requests.first)
            #expect(recorded.route == .execute)
            #expect(recorded.method == "POST")
            #expect(recorded.path == "/data-proxy/v1/execute")
            #expect(recorded.query == "x=1")
            #expect(recorded.header("x-test") == "yes")
            #expect(recorded.json == ["action_id": "A"])
            platform.clearRequests()
            #expect(platform.requests.isEmpty)
        }
    }

    @Test func injectedFailuresAreConsumedInOrder() async throws {
        try await withPlatform { platform in
            platform.setToken("slack", "t")
            platform.inject(.serverError(502), into: .token, times: 2)
            platform.inject(.malformedJSON(), into: .token)
            let url = platform.credentialsURL.appendingPathComponent("slack")
            let auth = ["Authorization": "Bearer k"]
            #expect(try await get(url, headers: auth).status == 502)
            #expect(try await get(url, headers: auth).status == 502)
            let malformed = try await get(url, headers: auth)
            #expect(malformed.status == 200)
            #expect((try? JSONValue(parsing: malformed.body)) == nil)
            let normal = try await get(url, headers: auth)
            #expect(try JSONValue(parsing: normal.body)["access_token"] == "t")
        }
    }

    @Test func pauseHoldsRequestsUntilResumed() async throws {
        try await withPlatform { platform in
            platform.setToken("slack", "t")
            platform.pause(.token)
            let url = platform.credentialsURL.appendingPathComponent("slack")
            async let answer = get(url, headers: ["Authorization": "Bearer k"])
            await platform.waitForRequests(1, to: .token)
            platform.resume(.token)
            let status = try await answer.status
            #expect(status == 200)
        }
    }

    @Test func userScopedTokens() async throws {
        try await withPlatform { platform in
            platform.setToken("gmail", "deployment")
            platform.setToken("gmail", "user", forUser: "jwt-a")
            let url = platform.credentialsURL.appendingPathComponent("gmail")
            let deployment = try await get(url, headers: ["Authorization": "Bearer k"])
            let user = try await get(url, headers: ["Authorization": "Bearer k", "X-Vendo-User-JWT": "jwt-a"])
            #expect(try JSONValue(parsing: deployment.body)["access_token"] == "deployment")
            #expect(try JSONValue(parsing: user.body)["access_token"] == "user")
        }
    }

    @Test func environmentPointsAtThePlatform() async throws {
        try await withPlatform { platform in
            let env = platform.environment()
            #expect(env["VENDO_BASE_URL"] == "http://127.0.0.1:\(platform.port)")
            #expect(env["VENDO_CREDENTIALS_URL"]?.hasSuffix("/credentials") == true)
            #expect(env["VENDO_DATA_PROXY_URL"]?.hasSuffix("/data-proxy") == true)
            #expect(env["VENDO_API_KEY"] == FakePlatform.defaultAPIKey)
            #expect(platform.environment(apiKey: nil)["VENDO_API_KEY"] == nil)
        }
    }
}
