import Foundation
import Testing
import VendoTesting

@testable import Vendo

@Suite struct ConnectionsTests {
    static let sample = [
        Connection(id: "c1", slug: "slack", displayName: "Slack", category: "chat", profile: .userOAuth, status: .connected),
        Connection(slug: "supabase", profile: .oauthAppInstall, status: .available, context: ["ref": "abc"], setupURL: "https://s"),
    ]

    @Test func listDecodesTheDeploymentsConnections() async throws {
        try await withPlatform { platform in
            platform.setConnections(Self.sample)
            let vendo = try platform.testClient()
            let list = try await vendo.connections.list()
            #expect(list == Self.sample)
            let request = try #require(platform.requests(to: .connections).first)
            #expect(request.path == "/api/deployments/me/connections")
            #expect(request.method == "GET")
        }
    }

    @Test func getPicksFromTheListOrNil() async throws {
        try await withPlatform { platform in
            platform.setConnections(Self.sample)
            let vendo = try platform.testClient()
            #expect(try await vendo.connections.get(slug: "supabase")?.context?["ref"] == "abc")
            #expect(try await vendo.connections.get(slug: "supabase")?.status == .available)
            #expect(try await vendo.connections.get(slug: "github") == nil)
        }
    }

    @Test func concurrentListsShareOneRequest() async throws {
        try await withPlatform { platform in
            platform.setConnections(Self.sample)
            platform.pause(.connections)
            let vendo = try platform.testClient()
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 { group.addTask { try await vendo.connections.list().count } }
                await platform.waitForRequests(1, to: .connections)
                // Release the request only once every caller has joined the one in flight.
                while await vendo.connections.flight.waiting < 16 { try await Task.sleep(nanoseconds: 1_000_000) }
                platform.resume(.connections)
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts == Array(repeating: 2, count: 16))
            #expect(platform.requests(to: .connections).count == 1)
            // Nothing is cached afterwards: a later call asks again.
            _ = try await vendo.connections.list()
            #expect(platform.requests(to: .connections).count == 2)
        }
    }

    @Test func toleratesUnknownFieldsAndValues() async throws {
        try await withPlatform { platform in
            platform.inject(
                .raw(status: 200, json: ["connections": [
                    ["slug": "x", "status": "frozen", "profile": "new_kind", "shiny": true],
                    ["provider": "y"], "not-an-object",
                ]]),
                into: .connections)
            let vendo = try platform.testClient()
            let list = try await vendo.connections.list()
            #expect(list.map(\.slug) == ["x", "y"])
            #expect(list[0].status.rawValue == "frozen")
        }
    }
}
