import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// The token chain over real HTTP (URLSession ⇄ fake credentials service).
@Suite struct TokenIntegrationTests {
    @Test func fetchesFromTheCredentialsServiceWithTheRightRequest() async throws {
        try await withPlatform { platform in
            platform.setToken("slack", "xoxb-1", expiresAt: "2099-01-01T00:00:00Z")
            let key = uniqueKey()
            let vendo = try platform.testClient(key: key)
            #expect(try await vendo.token("slack") == "xoxb-1")
            let request = try #require(platform.requests(to: .token).first)
            #expect(request.method == "GET")
            #expect(request.path == "/credentials/slack")
            #expect(request.query == nil)
            #expect(request.header("Authorization") == "Bearer \(key)")
            #expect(request.header("Vendo-API-Version") == "2026-05-07")
            #expect(request.header("Accept") == "application/json")
            #expect(request.header("User-Agent") == VendoSDK.userAgent)
            #expect(request.header("X-Vendo-User-JWT") == nil)
            #expect(request.header("Idempotency-Key") == nil)
            #expect(request.body.isEmpty)
        }
    }

    @Test func slugIsPercentEncodedAsOneSegment() async throws {
        try await withPlatform { platform in
            platform.setToken("odd slug/x", "t")
            let vendo = try platform.testClient()
            #expect(try await vendo.token("odd slug/x") == "t")
            #expect(platform.requests(to: .token).first?.path == "/credentials/odd%20slug%2Fx")
        }
    }

    @Test func cachedAfterTheFirstFetchAndRefetchedAfterInvalidate() async throws {
        try await withPlatform { platform in
            platform.setToken("notion", "n1")
            let vendo = try platform.testClient()
            #expect(try await vendo.token("notion") == "n1")
            platform.setToken("notion", "n2")
            #expect(try await vendo.token("notion") == "n1")
            #expect(platform.requests(to: .token).count == 1)
            await vendo.invalidate("notion")
            #expect(try await vendo.token("notion") == "n2")
            #expect(platform.requests(to: .token).count == 2)
        }
    }

    @Test func expiryFollowsExpiresAtWithAnInjectedClock() async throws {
        try await withPlatform { platform in
            let clock = TestClock()
            let expires = ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(300))
            platform.setToken("gmail", "g1", expiresAt: expires)
            let vendo = try platform.testClient().withClock(clock.function)
            #expect(try await vendo.token("gmail") == "g1")
            platform.setToken("gmail", "g2", expiresAt: nil)
            clock.advance(by: 239)
            #expect(try await vendo.token("gmail") == "g1")
            clock.advance(by: 1)
            #expect(try await vendo.token("gmail") == "g2")
            clock.advance(by: 50 * 60 - 1)
            #expect(try await vendo.token("gmail") == "g2")
            #expect(platform.requests(to: .token).count == 2)
            clock.advance(by: 1)
            _ = try await vendo.token("gmail")
            #expect(platform.requests(to: .token).count == 3)
        }
    }

    @Test func concurrentCallersMakeOneRequest() async throws {
        try await withPlatform { platform in
            platform.setToken("slack", "shared")
            platform.pause(.token)
            let vendo = try platform.testClient()
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<32 { group.addTask { try await vendo.token("slack") } }
                await platform.waitForRequests(1, to: .token)
                platform.resume(.token)
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(tokens == Array(repeating: "shared", count: 32))
            #expect(platform.requests(to: .token).count == 1)
        }
    }

    @Test func aFailedFetchIsNotCachedAndNamesTheProblem() async throws {
        try await withPlatform { platform in
            let vendo = try platform.testClient()
            await #expect {
                _ = try await vendo.token("slack")
            } throws: { error in
                guard let error = error as? VendoError, case .notConnected = error else { return false }
                return error.code == "binding_missing" && error.message == "No connection for slack (binding_missing)"
            }
            platform.setToken("slack", "now-connected")
            #expect(try await vendo.token("slack") == "now-connected")
            #expect(platform.requests(to: .token).count == 2)
        }
    }

    @Test func cacheIsolationBetweenKeysAndUsersOverTheWire() async throws {
        try await withPlatform { platform in
            platform.setToken("gmail", "deployment")
            platform.setToken("gmail", "user-a", forUser: "jwt-a")
            platform.setToken("gmail", "user-b", forUser: "jwt-b")
            let key = uniqueKey()
            let deployment = try platform.testClient(key: key)
            let userA = try deployment.forUser(jwt: "jwt-a")
            let userB = try deployment.forUser(jwt: "jwt-b")
            let sameKeyAgain = try platform.testClient(key: key)
            #expect(try await deployment.token("gmail") == "deployment")
            #expect(try await userA.token("gmail") == "user-a")
            #expect(try await userB.token("gmail") == "user-b")
            #expect(try await sameKeyAgain.token("gmail") == "deployment")
            #expect(try await userA.token("gmail") == "user-a")
            #expect(platform.requests(to: .token).count == 3)
            await userA.invalidate("gmail")
            #expect(try await deployment.token("gmail") == "deployment")
            #expect(platform.requests(to: .token).count == 3)
        }
    }

    @Test func overrideWinsInVendoModeWithoutARequest() async throws {
        try await withPlatform { platform in
            platform.setToken("openai", "from-vendo")
            let vendo = try platform.testClient(env: ["VENDO_TOKEN_OPENAI": "sk-override"])
            #expect(try await vendo.token("openai") == "sk-override")
            #expect(platform.requests.isEmpty)
        }
    }

    @Test func ossModeNeverCallsThePlatform() async throws {
        try await withPlatform { platform in
            platform.setToken("openai", "from-vendo")
            let vendo = try platform.client(apiKey: nil, env: ["OPENAI_API_KEY": "sk-byok"])
            #expect(!vendo.isVendoMode)
            #expect(try await vendo.token("openai") == "sk-byok")
            #expect(try await vendo.tokens(["openai", "slack"]) == ["openai": "sk-byok", "slack": String?.none])
            #expect(platform.requests.isEmpty)
        }
    }

    @Test func bulkUsesOneRequestForEverySlugWithoutOverrideOrCache() async throws {
        try await withPlatform { platform in
            platform.setToken("a", "ta")
            platform.setToken("b", "tb", expiresAt: "2099-01-01T00:00:00Z")
            let vendo = try platform.testClient(env: ["VENDO_TOKEN_O": "to"])
            #expect(try await vendo.token("a") == "ta")
            let tokens = try await vendo.tokens(["a", "b", "o", "missing", "b"])
            let expected: [String: String?] = ["a": "ta", "b": "tb", "o": "to", "missing": nil]
            #expect(tokens == expected)
            let bulk = platform.requests(to: .bulkTokens)
            #expect(bulk.count == 1)
            #expect(bulk.first?.path == "/credentials/_bulk")
            #expect(bulk.first?.query == "slugs=b,missing")
            #expect(bulk.first?.header("Authorization")?.hasPrefix("Bearer vendo_sk_test_") == true)
            #expect(try await vendo.token("b") == "tb")
            #expect(platform.requests(to: .token).count == 1)
        }
    }

    @Test func bulkFailureThrowsTheMappedError() async throws {
        try await withPlatform { platform in
            platform.inject(.error(status: 401, code: "app_revoked", message: "Key revoked"), into: .bulkTokens)
            let vendo = try platform.testClient()
            await #expect(throws: VendoError.auth(message: "Key revoked", code: "app_revoked")) {
                _ = try await vendo.tokens(["x", "y"])
            }
        }
    }

    @Test func malformedTokenAnswerIsAnInvalidResponse() async throws {
        try await withPlatform { platform in
            platform.inject(.malformedJSON(), into: .token)
            let vendo = try platform.testClient()
            await #expect {
                _ = try await vendo.token("slack")
            } throws: { error in
                (error as? VendoError)?.code == "invalid_response"
            }
        }
    }
}
