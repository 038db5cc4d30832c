import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// A user-scoped client sends `X-Vendo-User-JWT` on every kind of request.
@Suite struct ScopingIntegrationTests {
    @Test func jwtTravelsOnEveryRequestKind() async throws {
        try await withPlatform { platform in
            platform.setToken("gmail", "user-token", forUser: "jwt-u")
            platform.setToken("slack", "user-slack", forUser: "jwt-u")
            platform.setConnections([Connection(slug: "gmail")], forUser: "jwt-u")
            platform.setAction("A", result: 1)
            let base = try platform.testClient()
            let scoped = try base.forRequest(headers: [("x-vendo-user-jwt", " jwt-u ")])
            #expect(try await scoped.token("gmail") == "user-token")
            #expect(try await scoped.tokens(["slack"]) == ["slack": "user-slack"])
            #expect(try await scoped.connections.list().map(\.slug) == ["gmail"])
            _ = try await scoped.integrations.list()
            _ = try await scoped.billing.balance()
            _ = try await scoped.data.execute("A")
            // The event stream stays open: wait until the platform has the request, then leave.
            let events = Task {
                for try await _ in try scoped.events.subscribe() { break }
            }
            await platform.waitForRequests(1, to: .events)
            events.cancel()
            _ = await events.result

            let routes: [FakeRoute] = [.token, .bulkTokens, .connections, .integrations, .balance, .execute, .events]
            for route in routes {
                let requests = platform.requests(to: route)
                #expect(!requests.isEmpty, "no request to \(route)")
                #expect(requests.allSatisfy { $0.header("X-Vendo-User-JWT") == "jwt-u" }, "\(route)")
            }
            // The unscoped parent still sends none.
            _ = try await base.billing.balance()
            #expect(platform.requests(to: .balance).last?.header("X-Vendo-User-JWT") == nil)
        }
    }

    @Test func userSeesTheirOwnConnections() async throws {
        try await withPlatform { platform in
            platform.setConnections([Connection(slug: "deployment-wide")])
            platform.setConnections([Connection(slug: "personal")], forUser: "jwt-p")
            let base = try platform.testClient()
            #expect(try await base.connections.list().map(\.slug) == ["deployment-wide"])
            #expect(try await base.forUser(jwt: "jwt-p").connections.list().map(\.slug) == ["personal"])
        }
    }
}
