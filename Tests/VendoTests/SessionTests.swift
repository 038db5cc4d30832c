import Foundation
import Testing
import VendoTesting

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@testable import Vendo

/// `AuthorizedSession` against the fake platform's stand-in provider.
@Suite struct SessionTests {
    @Test func attachesTheTokenFetchedLazily() async throws {
        try await withPlatform { platform in
            platform.setToken("slack", "xoxb-1")
            platform.setProviderToken("xoxb-1")
            let vendo = try platform.testClient()
            let session = vendo.session("slack")
            #expect(platform.requests.isEmpty)
            let (data, response) = try await session.data(from: platform.providerURL.appendingPathComponent("chat.postMessage"))
            #expect(response.statusCode == 200)
            #expect(try JSONValue(parsing: data)["authorization"] == "Bearer xoxb-1")
            #expect(platform.requests(to: .token).count == 1)
            let provider = try #require(platform.requests(to: .provider).first)
            // Nothing of Vendo's own credentials reaches the provider.
            #expect(provider.header("Vendo-API-Version") == nil)
            #expect(provider.header("X-Vendo-User-JWT") == nil)
        }
    }

    @Test func on401ItInvalidatesRefetchesAndRetriesOnce() async throws {
        try await withPlatform { platform in
            platform.setToken("gmail", "stale")
            platform.setProviderToken("fresh")
            let vendo = try platform.testClient()
            #expect(try await vendo.token("gmail") == "stale")
            platform.setToken("gmail", "fresh")
            var request = URLRequest(url: platform.providerURL.appendingPathComponent("messages"))
            request.httpMethod = "POST"
            request.httpBody = Data(#"{"to":"x"}"#.utf8)
            request.setValue("Bearer ignored", forHTTPHeaderField: "authorization")
            let (data, response) = try await vendo.session("gmail").data(for: request)
            #expect(response.statusCode == 200)
            #expect(try JSONValue(parsing: data)["authorization"] == "Bearer fresh")
            let calls = platform.requests(to: .provider)
            #expect(calls.map { $0.header("Authorization") } == ["Bearer stale", "Bearer fresh"])
            #expect(calls.allSatisfy { $0.method == "POST" && $0.json == ["to": "x"] })
            #expect(platform.requests(to: .token).count == 2)
        }
    }

    @Test func aSecond401IsReturnedNotRetriedAgain() async throws {
        try await withPlatform { platform in
            platform.setToken("gmail", "never-good")
            platform.setProviderToken("something-else")
            let vendo = try platform.testClient()
            let response = try await vendo.session("gmail").send(TransportRequest(
                method: "GET", url: platform.providerURL.appendingPathComponent("x"), timeout: 30))
            #expect(response.status == 401)
            #expect(platform.requests(to: .provider).count == 2)
            #expect(platform.requests(to: .token).count == 2)
        }
    }

    @Test func tokenFailureSurfacesAsVendoError() async throws {
        try await withPlatform { platform in
            let vendo = try platform.testClient()
            await #expect {
                _ = try await vendo.session("slack").data(from: platform.providerURL)
            } throws: { error in
                (error as? VendoError)?.code == "binding_missing"
            }
            #expect(platform.requests(to: .provider).isEmpty)
        }
    }

    @Test func worksInOSSModeWithEnvironmentTokens() async throws {
        try await withPlatform { platform in
            platform.setProviderToken("sk-env")
            let vendo = try platform.client(apiKey: nil, env: ["OPENAI_API_KEY": "sk-env"])
            let session = vendo.session("openai")
            #expect(try await session.token() == "sk-env")
            let (_, response) = try await session.data(from: platform.providerURL.appendingPathComponent("v1/models"))
            #expect(response.statusCode == 200)
        }
    }
}
