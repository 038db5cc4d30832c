import Foundation
import Testing
import VendoTesting

@Suite("VendoTesting: fakeConnection and MockClient")
struct MockClientTests {
    @Test func fakeConnectionHasTheDocumentedDefaults() {
        let connection = fakeConnection(slug: "notion")
        #expect(connection.slug == "notion")
        #expect(connection.status == .connected)
        #expect(connection.credential == nil)
        #expect(connection.profile == "byok_static")
        #expect(connection.displayName == "notion")
        #expect(connection.category == "other")
        let custom = fakeConnection(
            slug: "gmail", status: .needsReauth, credential: ["access_token": "t"], profile: "user_oauth",
            displayName: "Gmail", category: "email")
        #expect(custom.status == .needsReauth)
        #expect(custom.profile == "user_oauth")
        #expect(custom.displayName == "Gmail")
        #expect(custom.category == "email")
    }

    @Test func tokenPicksAccessTokenThenBotTokenThenApiKeyThenTheFirstValue() async throws {
        let client = MockClient.withConnections([
            fakeConnection(slug: "all", credential: ["api_key": "k", "bot_token": "b", "access_token": "a"]),
            fakeConnection(slug: "bot", credential: ["api_key": "k", "bot_token": "b", "zzz": "z"]),
            fakeConnection(slug: "key", credential: ["api_key": "k", "aaa": "first"]),
            fakeConnection(slug: "other", credential: ["zeta": "z", "alpha": "a"]),
            fakeConnection(slug: "number", credential: ["pin": 1234]),
        ])
        #expect(try await client.token("all") == "a")
        #expect(try await client.token("bot") == "b")
        #expect(try await client.token("key") == "k")
        #expect(try await client.token("other") == "a")
        #expect(try await client.token("number") == "1234")
        #expect(client.tokenRequests == ["all", "bot", "key", "other", "number"])
    }

    @Test func tokenThrowsNotConnectedUnlessConnectedWithACredential() async throws {
        let client = MockClient.withConnections([
            fakeConnection(slug: "nocred"),
            fakeConnection(slug: "reauth", status: .needsReauth, credential: ["access_token": "t"]),
        ])
        for slug in ["nocred", "reauth", "missing"] {
            do {
                _ = try await client.token(slug)
                Issue.record("\(slug) gave a token")
            } catch let error as VendoError {
                #expect(error.code == "binding_missing")
                #expect(error.slug == slug)
            }
        }
    }

    @Test func tokensMapsMissingOnesToNil() async throws {
        let client = MockClient.withConnections([fakeConnection(slug: "openai", credential: ["api_key": "sk"])])
        let tokens = try await client.tokens(["openai", "anthropic"])
        let expected: [String: String?] = ["openai": "sk", "anthropic": nil]
        #expect(tokens == expected)
        #expect(tokens.keys.sorted() == ["anthropic", "openai"])
    }

    @Test func configuredErrorsAreThrownPerSlugOrForEverything() async throws {
        let reauth = VendoError.needsReauth(slug: "gmail", message: "reconnect", connectURL: "https://x/connect")
        let client = MockClient.withConnections(
            [fakeConnection(slug: "gmail", credential: ["access_token": "t"]), fakeConnection(slug: "slack", credential: ["bot_token": "b"])],
            errors: ["gmail": reauth])
        await #expect(throws: reauth) { try await client.token("gmail") }
        await #expect(throws: reauth) { try await client.connections.get(slug: "gmail") }
        await #expect(throws: reauth) { try await client.tokens(["slack", "gmail"]) }
        #expect(try await client.token("slack") == "b")

        client.setError(nil, for: "gmail")
        #expect(try await client.token("gmail") == "t")

        let down = VendoError.upstream(status: 502, message: "down")
        client.setError(down, for: nil)
        await #expect(throws: down) { try await client.connections.list() }
        await #expect(throws: down) { try await client.token("slack") }
    }

    @Test func connectionsListAndGet() async throws {
        let client = MockClient.withConnections([fakeConnection(slug: "a"), fakeConnection(slug: "b")])
        #expect(try await client.connections.list().map(\.slug) == ["a", "b"])
        #expect(try await client.connections.get(slug: "b")?.slug == "b")
        #expect(try await client.connections.get(slug: "zzz") == nil)
        client.upsert(fakeConnection(slug: "b", status: .revoked))
        client.upsert(fakeConnection(slug: "c"))
        #expect(try await client.connections.list().map(\.status) == [.connected, .revoked, .connected])
        await client.invalidate("a")
        #expect(client.invalidatedSlugs == ["a"])
    }
}

@Suite("VendoTesting: MockSSE")
struct MockSSETests {
    @Test func playsTheScriptThenEnds() async throws {
        let events = MockSSE([
            .event("connection.connected", ["slug": "openai"], id: "1"),
            .pause(.milliseconds(1)),
            .event("billing.cap_warned", ["window": "daily", "pct": 80]),
        ])
        var seen: [EventStreamMessage] = []
        for try await event in events { seen.append(event) }
        #expect(seen == [
            EventStreamMessage(type: "connection.connected", data: ["slug": "openai"], id: "1"),
            EventStreamMessage(type: "billing.cap_warned", data: ["window": "daily", "pct": 80]),
        ])
        // A second iteration plays it again.
        var again = 0
        for try await _ in events { again += 1 }
        #expect(again == 2)
    }

    @Test func aScriptedFailureEndsTheSequenceWithTheError() async throws {
        let revoked = VendoError.auth(message: "Key revoked", code: "app_revoked")
        let events = MockSSE(events: [EventStreamMessage(type: "x", data: 1)], thenFail: revoked)
        var count = 0
        await #expect(throws: revoked) {
            for try await _ in events { count += 1 }
        }
        #expect(count == 1)
    }

    @Test func aLiveFeedDeliversWhatIsPushed() async throws {
        let (events, feed) = MockSSE.live()
        let consumer = Task {
            var types: [String] = []
            for try await event in events { types.append(event.type) }
            return types
        }
        feed.send("connection.connected", ["slug": "a"])
        feed.send(EventStreamMessage(type: "connection.disconnected", data: ["slug": "a"]))
        feed.finish()
        #expect(try await consumer.value == ["connection.connected", "connection.disconnected"])
    }

    @Test func aPauseEndsOnCancellation() async throws {
        let events = MockSSE([.pause(.seconds(600)), .event("never")])
        let consumer = Task {
            var count = 0
            for try await _ in events { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        #expect(try await consumer.value == 0)
    }

    @Test func drivesTheReconcilersTrigger() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let (events, feed) = MockSSE.live()
        let mapping = ScriptedMapping(["A": "1"])
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 3600,
            trigger: .events(events), debounceSeconds: 0, onError: recorder.onError)
        defer { handle.stop() }
        mapping.set(["A": "2"])
        feed.send("connection.status_changed", ["slug": "x", "status": "needs_reauth"])
        await waitUntil("the triggered run") { recorder.changes.count == 1 }
        #expect(try folder.contents(".env") == "A=2\n")
    }
}

@Suite("VendoTesting: signed webhook requests")
struct SignedWebhookRequestTests {
    @Test func anEnvelopeVerifiesWithTheSameSecret() throws {
        let request = try SignedWebhookRequest(
            type: "connection.connected", data: ["slug": "openai"], id: "evt_1", secret: "whsec_test")
        #expect(request.headers["Content-Type"] == "application/json")
        let event = try WebhooksAPI(secret: "whsec_test").verify(headers: request.headers, body: request.body)
        #expect(event.id == "evt_1")
        #expect(event.type == "connection.connected")
        #expect(event.data == ["slug": "openai"])
        #expect(!event.occurredAt.isEmpty)
        #expect(throws: VendoError.self) {
            try WebhooksAPI(secret: "whsec_other").verify(headers: request.headers, body: request.body)
        }
    }

    @Test func aRawBodyAndExtraHeadersAreSignedAsGiven() throws {
        let body = #"{"update_id": 7, "message": {"text": "hi"}}"#
        let request = try SignedWebhookRequest(
            body: body, secret: "whsec_test", extraHeaders: ["x-vendo-provider": "telegram"])
        #expect(request.body == body)
        #expect(request.bodyBytes == Array(body.utf8))
        #expect(request.headers["x-vendo-provider"] == "telegram")
        _ = try WebhooksAPI(secret: "whsec_test").verify(headers: request.headers, body: request.body)
    }

    @Test func anOldTimestampFailsTheAgeCheck() throws {
        let request = try SignedWebhookRequest(
            type: "x", secret: "whsec_test", timestamp: Date().addingTimeInterval(-3600))
        #expect(throws: VendoError.self) {
            try WebhooksAPI(secret: "whsec_test").verify(headers: request.headers, body: request.body)
        }
    }
}
