import Foundation
import Testing

@testable import Vendo

@Suite("Events stream (scripted transport)")
struct EventsStreamTests {
    private func subscribe(
        _ transport: ScriptedStreamTransport, sleeps: RecordedSleeps = RecordedSleeps(), userJWT: String? = nil,
        configure: (inout EventStreamOptions) -> Void = { _ in }
    ) throws -> EventsAsyncSequence {
        var options = EventStreamOptions(sleep: sleeps.sleep, random: { 0 })
        configure(&options)
        return try EventsAPI(context: eventsContext(transport: transport, userJWT: userJWT)).subscribe(options: options)
    }

    @Test func ossModeThrowsAtCallTimeBeforeAnyIO() {
        let transport = ScriptedStreamTransport([])
        let api = EventsAPI(context: eventsContext(transport: transport, apiKey: nil))
        #expect(throws: VendoError.vendoOnlyFeature(featureName: "events.subscribe")) {
            _ = try api.subscribe()
        }
        #expect(transport.requests.isEmpty)
    }

    @Test func invalidOptionsAreRejectedWithTheirName() {
        let api = EventsAPI(context: eventsContext(transport: ScriptedStreamTransport([])))
        for (options, name) in [
            (EventStreamOptions(maxBackoffSeconds: 0), "maxBackoffSeconds"),
            (EventStreamOptions(maxBackoffSeconds: .nan), "maxBackoffSeconds"),
            (EventStreamOptions(heartbeatTimeout: -1), "heartbeatTimeout"),
            (EventStreamOptions(maxEventBytes: 0), "maxEventBytes"),
            (EventStreamOptions(jitter: -0.5), "jitter"),
        ] {
            do {
                _ = try api.subscribe(options: options)
                Issue.record("\(name) was accepted")
            } catch let error as VendoError {
                #expect(error.code == "validation_failed")
                #expect(error.message.contains(name))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func nothingIsSentUntilIteration() async throws {
        let transport = ScriptedStreamTransport([.events([sseBlock(id: "1", type: "a")])])
        let sequence = try subscribe(transport)
        try await Task.sleep(for: .milliseconds(50))
        #expect(transport.requests.isEmpty)
        #expect(try await firstEvents(1, of: sequence).map(\.id) == ["1"])
    }

    @Test func theRequestCarriesThePlatformHeaders() async throws {
        let transport = ScriptedStreamTransport([.events([sseBlock(id: "1", type: "a")])])
        _ = try await firstEvents(1, of: try subscribe(transport, userJWT: "user.jwt.token"))
        let request = try #require(transport.requests.first)
        #expect(request.method == "GET")
        #expect(request.url.absoluteString == "http://platform.test/api/deployments/me/events")
        #expect(request.header("accept") == "text/event-stream")
        #expect(request.header("authorization") == "Bearer vendo_sk_test")
        #expect(request.header("vendo-api-version") == "2026-05-07")
        #expect(request.header("x-vendo-user-jwt") == "user.jwt.token")
        #expect(request.header("last-event-id") == nil)
    }

    @Test func eventsArriveInOrderAcrossAReconnectWithLastEventID() async throws {
        let transport = ScriptedStreamTransport([
            .events([": ping\n\n", sseBlock(id: "e1", type: "connection.connected"), sseBlock(id: "e2", type: "x")]),
            // The server replays from after e2; the cut-off partial event below must not count as received.
            .events([sseBlock(id: "e3", type: "x"), "id: e4\ndata: {\"cut"], ending: .fail(.networkConnectionLost)),
            // Open until the test is done: a last body that ended could add a
            // reconnect wait before the test reads them (seen in CI).
            .events([sseBlock(id: "e4", type: "x"), sseBlock(id: "e5", type: "billing.balance_changed")], ending: .hang),
        ])
        let sleeps = RecordedSleeps()
        let events = try await firstEvents(5, of: try subscribe(transport, sleeps: sleeps))
        #expect(events.map(\.id) == ["e1", "e2", "e3", "e4", "e5"])
        #expect(events[0].type == "connection.connected")
        #expect(events[0].data["kind"] == "connection.connected")
        let requests = transport.requests
        #expect(requests.count == 3)
        #expect(requests[1].header("Last-Event-ID") == "e2")
        #expect(requests[2].header("Last-Event-ID") == "e3")
        // Both connections delivered data, so each wait is the first one again.
        #expect(sleeps.values == [1, 1])
    }

    @Test func transientFailuresBackOffExponentiallyUpToTheCap() async throws {
        let transport = ScriptedStreamTransport([
            .networkError(.cannotConnectToHost),
            .respond(status: 500, headers: [:], chunks: [], ending: .finish),
            .respond(status: 502, headers: [:], chunks: [], ending: .finish),
            .respond(status: 503, headers: [:], chunks: [], ending: .finish),
            .respond(status: 408, headers: [:], chunks: [], ending: .finish),
            .events([]),  // a 200 that closes at once without a byte is not a good connection
            .events([sseBlock(id: "ok", type: "x")]),
        ])
        let sleeps = RecordedSleeps()
        let events = try await firstEvents(1, of: try subscribe(transport, sleeps: sleeps) { $0.maxBackoffSeconds = 10 })
        #expect(events.map(\.id) == ["ok"])
        // After "ok" the script ends and the stream may already be waiting
        // to reconnect (1 s again: the last connection was good) when this
        // reads the list; only the waits up to "ok" are this test's subject.
        #expect(Array(sleeps.values.prefix(6)) == [1, 2, 4, 8, 10, 10])
        #expect(sleeps.values.dropFirst(6).allSatisfy { $0 == 1 })
    }

    @Test func jitterAddsUpToAQuarter() async throws {
        let transport = ScriptedStreamTransport([
            .networkError(.cannotConnectToHost), .networkError(.cannotConnectToHost),
            .events([sseBlock(id: "ok", type: "x")], ending: .hang),  // no reconnect wait after "ok"
        ])
        let sleeps = RecordedSleeps()
        let sequence = try subscribe(transport, sleeps: sleeps) { $0.random = { 1 } }
        _ = try await firstEvents(1, of: sequence)
        #expect(sleeps.values == [1.25, 2.5])
    }

    @Test func rateLimitingIsRetriedAndRetryAfterIsAFloor() async throws {
        let transport = ScriptedStreamTransport([
            .respond(
                status: 429, headers: ["Vendo-Error-Code": "rate_limit_sse_streams", "Retry-After": "7"],
                chunks: ["{\"error\":{\"code\":\"rate_limit_sse_streams\"}}"], ending: .finish),
            .events([sseBlock(id: "ok", type: "x")], ending: .hang),  // no reconnect wait after "ok"
        ])
        let sleeps = RecordedSleeps()
        let reasons = Locked<[EventStreamReconnect.Reason]>([])
        let sequence = try subscribe(transport, sleeps: sleeps) { options in
            options.onReconnect = { info in reasons.withLock { $0.append(info.reason) } }
        }
        _ = try await firstEvents(1, of: sequence)
        #expect(sleeps.values == [7])
        #expect(reasons.withLock { $0 } == [.status(429)])
    }

    @Test func theServersRetryReplacesTheFirstWait() async throws {
        let transport = ScriptedStreamTransport([
            .events(["retry: 250\n\n", sseBlock(id: "1", type: "x")]),
            .networkError(.cannotConnectToHost),
            .events([sseBlock(id: "2", type: "x")], ending: .hang),  // no reconnect wait after "2"
        ])
        let sleeps = RecordedSleeps()
        _ = try await firstEvents(2, of: try subscribe(transport, sleeps: sleeps))
        // End of the good stream: 0.25 s; the failure right after doubles it.
        #expect(sleeps.values == [0.25, 0.5])
    }

    @Test func aZeroRetryCannotCauseABusyLoop() async throws {
        let transport = ScriptedStreamTransport([
            .events(["retry: 0\n\n", sseBlock(id: "1", type: "x")]),
            .events([sseBlock(id: "2", type: "x")], ending: .hang),  // no reconnect wait after "2"
        ])
        let sleeps = RecordedSleeps()
        _ = try await firstEvents(2, of: try subscribe(transport, sleeps: sleeps))
        #expect(sleeps.values == [ReconnectBackoff.minimumSeconds])
    }

    @Test(arguments: [
        (401, "app_revoked", VendoError.auth(message: "Key revoked", code: "app_revoked")),
        (403, "app_unknown", VendoError.auth(message: "Key revoked", code: "app_unknown")),
    ])
    func authenticationFailuresEndTheSequence(status: Int, code: String, expected: VendoError) async throws {
        let transport = ScriptedStreamTransport([
            .respond(
                status: status, headers: ["Vendo-Error-Code": code, "Content-Type": "application/json"],
                chunks: ["{\"error\":{\"code\":\"\(code)\",\"message\":\"Key revoked\"}}"], ending: .finish)
        ])
        let sleeps = RecordedSleeps()
        let sequence = try subscribe(transport, sleeps: sleeps)
        await #expect(throws: expected) {
            for try await _ in sequence {}
        }
        #expect(transport.requests.count == 1)
        #expect(sleeps.values.isEmpty)
    }

    @Test func otherClientErrorsEndTheSequenceWithTheMappedError() async throws {
        let transport = ScriptedStreamTransport([
            .respond(status: 404, headers: [:], chunks: ["{\"error\":{\"message\":\"no such route\"}}"], ending: .finish)
        ])
        let sequence = try subscribe(transport)
        do {
            for try await _ in sequence {}
            Issue.record("a 404 did not end the sequence")
        } catch let error as VendoError {
            #expect(error.status == 404)
            #expect(error.message.contains("no such route"))
        }
    }

    @Test func aNonEventStreamContentTypeEndsTheSequence() async throws {
        let transport = ScriptedStreamTransport([
            .respond(status: 200, headers: ["Content-Type": "text/html"], chunks: ["<html>"], ending: .finish)
        ])
        do {
            for try await _ in try subscribe(transport) {}
            Issue.record("an HTML answer did not end the sequence")
        } catch let error as VendoError {
            #expect(error.code == "invalid_event_stream")
            #expect(error.message.contains("text/html"))
        }
    }

    @Test func aContentTypeWithParametersIsAccepted() {
        #expect(EventStreamLoop.isEventStream("text/event-stream; charset=utf-8"))
        #expect(EventStreamLoop.isEventStream("Text/Event-Stream"))
        #expect(!EventStreamLoop.isEventStream("text/event-streamer"))
    }

    @Test func legacyAliasesOfEventsAlreadySeenAreSurfacedOnce() async throws {
        let transport = ScriptedStreamTransport([
            .events([
                sseBlock(id: "e1", type: "connection.connected"),
                sseBlock(id: "e1", type: "connection_created"),  // alias: skipped
                sseBlock(id: "e2", type: "connection_deleted"),  // alias of nothing seen: surfaced
                sseBlock(id: "e3", type: "connection.status_changed"),
                sseBlock(id: "e3", type: "connection_updated"),  // alias: skipped
                // An alias without an SSE id is matched on its payload id.
                "event: connection_updated\ndata: {\"id\":\"e3\"}\n\n",
                sseBlock(id: "e4", type: "billing.usage_recorded"),
            ])
        ])
        let events = try await firstEvents(4, of: try subscribe(transport))
        #expect(events.map(\.type) == [
            "connection.connected", "connection_deleted", "connection.status_changed", "billing.usage_recorded",
        ])
    }

    @Test func anOversizeEventIsReportedAndTheStreamGoesOn() async throws {
        let big = String(repeating: "x", count: 5000)
        let transport = ScriptedStreamTransport([
            .events(["id: big\nevent: huge\ndata: \(big)\n\n", sseBlock(id: "small", type: "x")])
        ])
        let dropped = Locked<[SSEParser.DroppedEvent]>([])
        let sequence = try subscribe(transport) { options in
            options.maxEventBytes = 1024
            options.onEventDropped = { event in dropped.withLock { $0.append(event) } }
        }
        #expect(try await firstEvents(1, of: sequence).map(\.id) == ["small"])
        #expect(dropped.withLock { $0 } == [SSEParser.DroppedEvent(type: "huge", id: "big", limit: 1024)])
    }

    @Test func silenceLongerThanTheHeartbeatTimeoutReconnects() async throws {
        let transport = ScriptedStreamTransport([
            .events([sseBlock(id: "1", type: "x")], ending: .hang),
            .events([sseBlock(id: "2", type: "x")], ending: .hang),
        ])
        let reasons = Locked<[EventStreamReconnect.Reason]>([])
        let sequence = try subscribe(transport) { options in
            options.heartbeatTimeout = 0.2
            options.onReconnect = { info in reasons.withLock { $0.append(info.reason) } }
        }
        #expect(try await firstEvents(2, of: sequence).map(\.id) == ["1", "2"])
        #expect(reasons.withLock { $0 }.first == .heartbeatTimeout)
        #expect(transport.requests[1].header("Last-Event-ID") == "1")
        // The stalled body was abandoned, which is what closes its socket.
        await transport.waitForTerminatedBodies(1)
    }

    @Test func heartbeatsKeepASilentConnectionAlive() async throws {
        let transport = ScriptedStreamTransport([.live])
        let reconnects = Locked(0)
        let sequence = try subscribe(transport) { options in
            options.heartbeatTimeout = 2.5
            options.onReconnect = { _ in reconnects.withLock { $0 += 1 } }
        }
        let consumer = Task { try await firstEvents(1, of: sequence, timeout: .seconds(30)) }
        await transport.waitForRequests(1)
        // 4 s of pings only, longer than the timeout, yet no reconnection (only a 2.5 s stall could cause one).
        for _ in 0..<80 {
            transport.feed(": ping\n\n")
            try await Task.sleep(for: .milliseconds(50))
        }
        transport.feed(sseBlock(id: "after-pings", type: "x"))
        #expect(try await consumer.value.map(\.id) == ["after-pings"])
        #expect(reconnects.withLock { $0 } == 0)
        #expect(transport.requests.count == 1)
    }

    @Test func cancellingTheConsumerClosesTheConnection() async throws {
        let transport = ScriptedStreamTransport([.live])
        let sequence = try subscribe(transport)
        let received = Locked<[String?]>([])
        let consumer = Task {
            for try await event in sequence { received.withLock { $0.append(event.id) } }
        }
        await transport.waitForRequests(1)
        transport.feed(sseBlock(id: "1", type: "x"))
        await waitUntil("the first event") { received.withLock { $0.count } == 1 }
        consumer.cancel()
        await transport.waitForTerminatedBodies(1)
        _ = try? await consumer.value
        #expect(transport.requests.count == 1)
    }

    @Test func breakingOutOfTheLoopClosesTheConnection() async throws {
        let transport = ScriptedStreamTransport([.events([sseBlock(id: "1", type: "x")], ending: .hang)])
        for try await _ in try subscribe(transport) { break }
        await transport.waitForTerminatedBodies(1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(transport.requests.count == 1)
    }

    @Test func eachIterationHasItsOwnConnection() async throws {
        let transport = ScriptedStreamTransport([
            .events([sseBlock(id: "a", type: "x")], ending: .hang), .events([sseBlock(id: "b", type: "x")], ending: .hang),
        ])
        let sequence = try subscribe(transport)
        let first = try await firstEvents(1, of: sequence)
        let second = try await firstEvents(1, of: sequence)
        #expect(Set((first + second).compactMap(\.id)) == ["a", "b"])
        #expect(transport.requests.count == 2)
        #expect(transport.requests.allSatisfy { $0.header("Last-Event-ID") == nil })
    }
}

@Suite("Events backoff and id window")
struct EventsBackoffTests {
    @Test func backoffDoublesCapsAndResets() {
        var backoff = ReconnectBackoff(initialSeconds: 1, maximumSeconds: 5, jitter: 0.25)
        let waits = (0..<5).map { _ in backoff.nextDelay(serverRetryMilliseconds: nil, retryAfterSeconds: nil, random: 0) }
        #expect(waits == [1, 2, 4, 5, 5])
        backoff.reset()
        #expect(backoff.nextDelay(serverRetryMilliseconds: nil, retryAfterSeconds: nil, random: 0.5) == 1.125)
    }

    @Test func aServerRetryLargerThanTheCapIsStillHonoured() {
        var backoff = ReconnectBackoff(initialSeconds: 1, maximumSeconds: 2, jitter: 0)
        #expect(backoff.nextDelay(serverRetryMilliseconds: 10_000, retryAfterSeconds: nil, random: 0) == 10)
        #expect(backoff.nextDelay(serverRetryMilliseconds: 10_000, retryAfterSeconds: nil, random: 0) == 10)
    }

    @Test func retryAfterIsCapped() {
        var backoff = ReconnectBackoff(initialSeconds: 1, maximumSeconds: 2, jitter: 0)
        #expect(backoff.nextDelay(serverRetryMilliseconds: nil, retryAfterSeconds: 86_400, random: 0)
            == ReconnectBackoff.maximumRetryAfterSeconds)
    }

    @Test func manyFailuresNeverOverflow() {
        var backoff = ReconnectBackoff(initialSeconds: 1, maximumSeconds: 30, jitter: 0.25)
        var last = 0.0
        for _ in 0..<10_000 { last = backoff.nextDelay(serverRetryMilliseconds: nil, retryAfterSeconds: nil, random: 1) }
        #expect(last == 37.5)
    }

    @Test func theIdWindowForgetsTheOldest() {
        var window = RecentEventIDs(capacity: 3)
        for id in ["a", "b", "c", "a"] { window.insert(id) }
        #expect(window.contains("a") && window.contains("b") && window.contains("c"))
        window.insert("d")
        #expect(!window.contains("a"))
        #expect(window.contains("b") && window.contains("c") && window.contains("d"))
        var empty = RecentEventIDs(capacity: 0)
        empty.insert("x")
        #expect(!empty.contains("x"))
    }
}
