import Foundation
import Testing

@testable import Vendo

/// The cache's own rules, driven with an injected clock and an in-memory transport.
/// (The same behaviours over real HTTP are in the FakePlatform tests.)
@Suite struct TokenCacheTests {
    private func client(
        key: String = uniqueKey(), env: [String: String] = [:], clock: TestClock,
        _ answer: @escaping @Sendable (TransportRequest, Int) async throws -> TransportResponse
    ) throws -> (Vendo, ScriptedTransport) {
        let transport = ScriptedTransport(answer)
        let vendo = try Vendo(
            apiKey: key, env: env, credentialsURL: "https://creds.test", transport: transport, retryPolicy: .none
        ).withClock(clock.function)
        return (vendo, transport)
    }

    @Test func cachesUntilExpiryMinusSixtySeconds() async throws {
        let clock = TestClock()
        let expiry = ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(600))
        let (vendo, transport) = try client(clock: clock) { _, n in
            json(#"{"access_token":"tok-\#(n)","expires_at":"\#(expiry)","token_type":"Bearer"}"#)
        }
        #expect(try await vendo.token("slack") == "tok-1")
        clock.advance(by: 539)
        #expect(try await vendo.token("slack") == "tok-1")
        clock.advance(by: 1)  // 540 s = expiry − 60 s
        #expect(try await vendo.token("slack") == "tok-2")
        #expect(transport.requests.count == 2)
    }

    @Test func fiftyMinutesWithoutExpiry() async throws {
        let clock = TestClock()
        let (vendo, transport) = try client(clock: clock) { _, n in json(#"{"access_token":"t\#(n)","expires_at":null}"#) }
        #expect(try await vendo.token("x") == "t1")
        clock.advance(by: 50 * 60 - 1)
        #expect(try await vendo.token("x") == "t1")
        clock.advance(by: 1)
        #expect(try await vendo.token("x") == "t2")
        #expect(transport.requests.count == 2)
    }

    @Test func alreadyExpiringTokenIsReturnedButNotKept() async throws {
        let clock = TestClock()
        let expiry = ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(30))
        let (vendo, transport) = try client(clock: clock) { _, n in
            json(#"{"access_token":"t\#(n)","expires_at":"\#(expiry)"}"#)
        }
        #expect(try await vendo.token("x") == "t1")
        #expect(try await vendo.token("x") == "t2")
        #expect(transport.requests.count == 2)
    }

    @Test func invalidateForcesARefetch() async throws {
        let clock = TestClock()
        let (vendo, transport) = try client(clock: clock) { _, n in json(#"{"access_token":"t\#(n)"}"#) }
        #expect(try await vendo.token("x") == "t1")
        await vendo.invalidate("x")
        #expect(try await vendo.token("x") == "t2")
        #expect(transport.requests.count == 2)
    }

    @Test func failedFetchIsNotCached() async throws {
        let clock = TestClock()
        let (vendo, transport) = try client(clock: clock) { _, n in
            n == 1 ? json(#"{"error":"nope"}"#, status: 404, headers: ["Vendo-Error-Code": "binding_missing"])
                : json(#"{"access_token":"later"}"#)
        }
        await #expect(throws: VendoError.self) { _ = try await vendo.token("x") }
        #expect(try await vendo.token("x") == "later")
        #expect(transport.requests.count == 2)
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let clock = TestClock()
        let gate = AsyncGate()
        let (vendo, transport) = try client(clock: clock) { _, n in
            await gate.wait()
            return json(#"{"access_token":"shared-\#(n)"}"#)
        }
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<25 { group.addTask { try await vendo.token("slack") } }
            // Open the gate only once the one fetch is in flight, whoever got there first.
            while transport.requests.isEmpty { await Task.yield() }
            await gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 25)
        #expect(Set(results) == ["shared-1"])
        #expect(transport.requests.count == 1)
    }

    @Test func invalidateDuringFlightDoesNotKeepTheStaleToken() async throws {
        let clock = TestClock()
        let gate = AsyncGate()
        let (vendo, transport) = try client(clock: clock) { _, n in
            if n == 1 { await gate.wait() }
            return json(#"{"access_token":"t\#(n)"}"#)
        }
        async let first = vendo.token("x")
        while transport.requests.isEmpty { await Task.yield() }
        await vendo.invalidate("x")
        await gate.open()
        #expect(try await first == "t1")
        #expect(try await vendo.token("x") == "t2")
    }

    @Test func cacheIsSharedAcrossInstancesWithTheSameSettings() async throws {
        let clock = TestClock()
        let key = uniqueKey()
        let (first, transport) = try client(key: key, clock: clock) { _, n in json(#"{"access_token":"t\#(n)"}"#) }
        let (second, otherTransport) = try client(key: key, clock: clock) { _, _ in json(#"{"access_token":"never"}"#) }
        #expect(try await first.token("x") == "t1")
        #expect(try await second.token("x") == "t1")
        #expect(otherTransport.requests.isEmpty)
        await second.invalidate("x")
        #expect(try await first.token("x") == "t2")
        #expect(transport.requests.count == 2)
    }

    @Test func differentKeysURLsAndUsersAreIsolated() async throws {
        let clock = TestClock()
        let key = uniqueKey()
        let (base, baseTransport) = try client(key: key, clock: clock) { _, _ in json(#"{"access_token":"deployment"}"#) }
        let (otherKey, _) = try client(clock: clock) { _, _ in json(#"{"access_token":"other-key"}"#) }
        let otherURLTransport = ScriptedTransport { _, _ in json(#"{"access_token":"other-url"}"#) }
        let otherURL = try Vendo(
            apiKey: key, env: [:], credentialsURL: "https://elsewhere.test", transport: otherURLTransport,
            retryPolicy: .none
        ).withClock(clock.function)
        let userTransport = ScriptedTransport { _, _ in json(#"{"access_token":"user"}"#) }
        let user = try Vendo(
            apiKey: key, userJWT: "jwt-1", env: [:], credentialsURL: "https://creds.test", transport: userTransport,
            retryPolicy: .none)
        #expect(try await base.token("x") == "deployment")
        #expect(try await otherKey.token("x") == "other-key")
        #expect(try await otherURL.token("x") == "other-url")
        #expect(try await user.token("x") == "user")
        #expect(try await base.token("x") == "deployment")
        #expect(baseTransport.requests.count == 1)
        #expect(userTransport.requests.first?.header("X-Vendo-User-JWT") == "jwt-1")
    }

    @Test func overrideBeatsVendoModeWithoutARequest() async throws {
        let clock = TestClock()
        let (vendo, transport) = try client(env: ["VENDO_TOKEN_SLACK": "xoxb-override"], clock: clock) { _, _ in
            json(#"{"access_token":"service"}"#)
        }
        #expect(try await vendo.token("slack") == "xoxb-override")
        #expect(transport.requests.isEmpty)
    }

    @Test func vendoModeIgnoresBYOKVariables() async throws {
        let clock = TestClock()
        let (vendo, transport) = try client(env: ["OPENAI_API_KEY": "byok"], clock: clock) { _, _ in
            json(#"{"access_token":"service"}"#)
        }
        #expect(try await vendo.token("openai") == "service")
        #expect(transport.requests.count == 1)
    }

    @Test func tokensUsesOneBulkRequestForWhatIsMissing() async throws {
        let clock = TestClock()
        let (vendo, transport) = try client(env: ["VENDO_TOKEN_OVERRIDDEN": "o"], clock: clock) { request, _ in
            if request.url.path.hasSuffix("/_bulk") {
                return json(#"{"tokens":{"b":{"access_token":"tb","expires_at":null},"c":null}}"#)
            }
            return json(#"{"access_token":"ta"}"#)
        }
        #expect(try await vendo.token("a") == "ta")
        let tokens = try await vendo.tokens(["a", "b", "c", "overridden", "d"])
        let expected: [String: String?] = ["a": "ta", "b": "tb", "c": nil, "overridden": "o", "d": nil]
        #expect(tokens.count == 5)
        #expect(tokens == expected)
        #expect(transport.requests.count == 2)
        #expect(transport.requests[1].url.query == "slugs=b,c,d")
        // The bulk answer fills the cache.
        #expect(try await vendo.token("b") == "tb")
        #expect(transport.requests.count == 2)
        #expect(try await vendo.tokens([]) == [:])
        #expect(transport.requests.count == 2)
    }

    @Test func rfc3339Forms() {
        let base = Date(timeIntervalSince1970: 1_778_148_000)  // 2026-05-07T10:00:00Z
        #expect(RFC3339.parse("2026-05-07T10:00:00Z") == base)
        #expect(RFC3339.parse("2026-05-07T10:00:00.250Z") == base.addingTimeInterval(0.25))
        #expect(RFC3339.parse("2026-05-07T12:00:00+02:00") == base)
        #expect(RFC3339.parse("2026-05-07 10:00:00z") == base)
        #expect(RFC3339.parse("yesterday") == nil)
    }

    @Test func tokenResponseParsing() {
        #expect(TokenFetcher.parse(["access_token": ""]) == nil)
        #expect(TokenFetcher.parse(["access_token": 5]) == nil)
        #expect(TokenFetcher.parse(["access_token": "t", "expires_at": 100]) == FetchedToken(token: "t", expiresAt: Date(timeIntervalSince1970: 100)))
        #expect(TokenFetcher.parse(["access_token": "t", "expires_at": "garbage"]) == FetchedToken(token: "t", expiresAt: nil))
    }
}

/// Holds callers until opened.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

/// The size limit, on private cache instances (the shared one is used by parallel tests).
@Suite struct TokenCacheCapacityTests {
    private func key(_ slug: String) -> TokenCache.Key {
        TokenCache.Key(scope: TokenCache.Scope(apiKey: "k", credentialsURL: "https://c", userJWT: nil), slug: slug)
    }

    @Test func staysWithinItsCapacityDroppingTheSoonestToExpire() {
        let cache = TokenCache(capacity: 10)
        let now = Date(timeIntervalSince1970: 1_000_000)
        for index in 0..<10 {
            cache.store(key("s\(index)"), FetchedToken(token: "t\(index)", expiresAt: now.addingTimeInterval(1_000 + Double(index))), now: now)
        }
        #expect(cache.count == 10)
        cache.store(key("late"), FetchedToken(token: "late", expiresAt: now.addingTimeInterval(5_000)), now: now)
        // Over the limit: down to 90 %, keeping the latest expiries.
        #expect(cache.count == 9)
        #expect(cache.cached(key("late"), now: now) == "late")
        #expect(cache.cached(key("s9"), now: now) == "t9")
        #expect(cache.cached(key("s0"), now: now) == nil)
        #expect(cache.cached(key("s1"), now: now) == nil)
    }

    @Test func expiredEntriesGoFirst() {
        let cache = TokenCache(capacity: 3)
        let now = Date(timeIntervalSince1970: 1_000_000)
        cache.store(key("old"), FetchedToken(token: "o", expiresAt: now.addingTimeInterval(100)), now: now)
        cache.store(key("a"), FetchedToken(token: "a", expiresAt: nil), now: now)
        cache.store(key("b"), FetchedToken(token: "b", expiresAt: nil), now: now)
        let later = now.addingTimeInterval(200)
        cache.store(key("c"), FetchedToken(token: "c", expiresAt: nil), now: later)
        #expect(cache.count == 3)
        #expect(cache.cached(key("a"), now: later) == "a")
        #expect(cache.cached(key("c"), now: later) == "c")
    }

    @Test func capacityCanBeLoweredAndIsAtLeastOne() async {
        let cache = TokenCache(capacity: 100)
        let now = Date(timeIntervalSince1970: 1_000_000)
        for index in 0..<20 {
            cache.store(key("s\(index)"), FetchedToken(token: "t", expiresAt: nil), now: now)
        }
        cache.setCapacity(0, now: now)
        #expect(cache.capacity == 1)
        #expect(cache.count == 1)
        #expect(TokenCache(capacity: -5).capacity == 1)
        #expect(await Vendo.tokenCacheCapacity >= 1)
    }
}
