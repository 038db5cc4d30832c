import Foundation
import Testing
import VendoTesting

// The example of docs/events-reconciler-testing.md, "Testing your code with
// VendoTesting", compiled and run so the documentation cannot drift.

// MARK: - The app's code (production side)

/// What the app needs from Vendo: a token. `Vendo` and `MockClient` both have
/// this method, so each conforms with an empty extension.
protocol TokenProvider: Sendable {
    func token(_ slug: String) async throws -> String
}

extension Vendo: TokenProvider {}
extension MockClient: TokenProvider {}

/// Builds the header the app sends to Slack, or explains what to do.
struct SlackNotifier {
    let vendo: any TokenProvider

    func authorizationHeader() async -> Result<String, NotifierProblem> {
        do {
            return .success("Bearer " + (try await vendo.token("slack")))
        } catch let error as VendoError where error.code == "binding_missing" {
            return .failure(.connectSlackFirst)
        } catch let error as VendoError {
            if case .needsReauth(_, _, let url) = error { return .failure(.reconnect(url)) }
            return .failure(.other(error.message))
        } catch {
            return .failure(.other("\(error)"))
        }
    }
}

enum NotifierProblem: Error, Equatable {
    case connectSlackFirst
    case reconnect(String?)
    case other(String)
}

/// Counts connection events, as an app reacting to `vendo.events.subscribe()` might.
func countConnectionChanges<Events: AsyncSequence>(_ events: Events) async throws -> Int
where Events.Element == EventStreamMessage {
    var count = 0
    for try await event in events where event.isConnectionEvent { count += 1 }
    return count
}

// MARK: - The tests (what the docs show)

@Suite("VendoTesting example from the docs")
struct VendoTestingExampleTests {
    @Test func usesTheBotToken() async {
        let vendo = MockClient.withConnections([
            fakeConnection(slug: "slack", credential: ["bot_token": "xoxb-test"])
        ])
        let header = await SlackNotifier(vendo: vendo).authorizationHeader()
        #expect(header == .success("Bearer xoxb-test"))
    }

    @Test func asksToConnectSlackWhenItIsNotConnected() async {
        let vendo = MockClient.withConnections([fakeConnection(slug: "slack", status: .available)])
        #expect(await SlackNotifier(vendo: vendo).authorizationHeader() == .failure(.connectSlackFirst))
    }

    @Test func asksToReconnectWhenTheTokenExpired() async {
        let vendo = MockClient.withConnections(
            [fakeConnection(slug: "slack", credential: ["bot_token": "old"])],
            errors: ["slack": .needsReauth(slug: "slack", message: "expired", connectURL: "https://vendo.run/c/slack")])
        #expect(await SlackNotifier(vendo: vendo).authorizationHeader() == .failure(.reconnect("https://vendo.run/c/slack")))
    }

    @Test func countsConnectionEvents() async throws {
        let events = MockSSE([
            .event("connection.connected", ["slug": "slack"]),
            .event("billing.usage_recorded", ["provider": "openai", "micros": 12]),
            .event("connection.status_changed", ["slug": "slack", "status": "needs_reauth"]),
        ])
        #expect(try await countConnectionChanges(events) == 2)
    }

    @Test func worksAgainstTheRealClientOnAFakeEventStream() async throws {
        let server = try FakeEventStream.start()
        defer { Task { await server.stop() } }
        let vendo = try server.client()
        let counting = Task { try await countConnectionChanges(try vendo.events.subscribe().prefix(2)) }
        #expect(await server.wait { $0.openStreams == 1 })
        server.publish(type: "connection.connected", data: ["slug": "slack"])
        server.publish(type: "connection.disconnected", data: ["slug": "slack"])
        #expect(try await counting.value == 2)
    }

    @Test func aRealClientConformsToo() throws {
        // The same protocol takes the real client; OSS mode needs no network for this.
        let provider: any TokenProvider = try Vendo(env: ["SLACK_BOT_TOKEN": "xoxb-env"])
        _ = SlackNotifier(vendo: provider)
    }
}
