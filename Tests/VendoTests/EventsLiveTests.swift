import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// The event stream end to end: the SDK's URLSession transport against a real
/// HTTP server on 127.0.0.1 (``FakeEventStream`` on `VendoHTTPServer`).
@Suite("Events stream (live, local server)")
struct EventsLiveTests {
    /// Fast reconnection for tests; everything else as in production.
    static func fastOptions(_ configure: (inout EventStreamOptions) -> Void = { _ in }) -> EventStreamOptions {
        var options = EventStreamOptions(initialBackoffSeconds: 0.05)
        configure(&options)
        return options
    }

    /// Iterates `sequence` in a task, collecting events, until cancelled or ended.
    final class Collector: Sendable {
        let events = Locked<[EventStreamMessage]>([])
        let failure = Locked<(any Error)?>(nil)
        let task: Task<Void, Never>

        init(_ sequence: EventsAsyncSequence) {
            let events = self.events
            let failure = self.failure
            task = Task {
                do {
                    for try await event in sequence { events.withLock { $0.append(event) } }
                } catch {
                    failure.withLock { $0 = error }
                }
            }
        }

        var ids: [String?] { events.withLock { $0.map(\.id) } }
        var count: Int { events.withLock { $0.count } }

        func waitFor(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async {
            await waitUntil("\(count) events", sourceLocation: sourceLocation) { self.count >= count }
        }
    }

    @Test func eventsArriveAsSent() async throws {
        let server = try FakeEventStream.start()
        defer { Task { await server.stop() } }
        let vendo = try server.client()
        let collector = Collector(try vendo.events.subscribe(options: Self.fastOptions()))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })

        let sent = [
            server.publish(type: "connection.connected", data: ["slug": "openai", "connection_id": "cn_1"]),
            server.publish(EventStreamMessage(type: "message", data: "plain text\nover two lines", id: "t1")),
            server.publish(type: "billing.usage_recorded", data: ["provider": "openrouter", "micros": 1234]),
        ]
        await collector.waitFor(3)
        #expect(collector.events.withLock { $0 } == sent)
        let request = try #require(server.requests.first)
        #expect(request.header("Accept") == "text/event-stream")
        #expect(request.header("Authorization") == "Bearer vendo_sk_fake_events")
        #expect(request.header("Last-Event-ID") == nil)
    }

    @Test func aDropMidStreamReconnectsWithLastEventIDLosingAndDoublingNothing() async throws {
        let server = try FakeEventStream.start()
        defer { Task { await server.stop() } }
        let reconnects = Locked<[EventStreamReconnect.Reason]>([])
        let collector = Collector(try server.client().events.subscribe(options: Self.fastOptions {
            $0.onReconnect = { info in reconnects.withLock { $0.append(info.reason) } }
        }))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })

        let first = server.publish(type: "connection.connected", data: ["slug": "a"])
        let second = server.publish(type: "connection.changed", data: ["slug": "a"])
        await collector.waitFor(2)
        server.dropConnections()
        // Published while the client is away: replayed from the buffer after the reconnection.
        let third = server.publish(type: "connection.disconnected", data: ["slug": "a"])
        let fourth = server.publish(type: "billing.balance_changed", data: ["remaining_micros": 5])
        #expect(await server.wait { $0.requests.count == 2 && $0.openStreams == 1 })
        let fifth = server.publish(type: "billing.cap_warned", data: ["window": "daily", "pct": 80])
        await collector.waitFor(5)
        try await Task.sleep(for: .milliseconds(100))
        #expect(collector.ids == [first, second, third, fourth, fifth].map(\.id))
        #expect(server.requests[1].header("Last-Event-ID") == second.id)
        #expect(reconnects.withLock { $0 }.count == 1)
    }

    @Test func theServersRetryIsHonoured() async throws {
        let server = try FakeEventStream.start(configuration: .init(retryMilliseconds: 150))
        defer { Task { await server.stop() } }
        let delays = Locked<[Double]>([])
        let collector = Collector(try server.client().events.subscribe(options: EventStreamOptions(
            onReconnect: { info in delays.withLock { $0.append(info.delaySeconds) } })))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })
        server.publish(type: "connection.connected")
        await collector.waitFor(1)
        server.endStreams()
        #expect(await server.wait { $0.requests.count == 2 })
        // 150 ms plus at most 25 % jitter, instead of the default 1 s.
        let delay = try #require(delays.withLock { $0 }.first)
        #expect(delay >= 0.15 && delay <= 0.1875)
    }

    @Test func silenceLongerThanTheHeartbeatTimeoutReconnects() async throws {
        // Pings until the client has an event, then silence.
        let server = try FakeEventStream.start(configuration: .init(heartbeatInterval: .milliseconds(100)))
        defer { Task { await server.stop() } }
        let reasons = Locked<[EventStreamReconnect.Reason]>([])
        let collector = Collector(try server.client().events.subscribe(options: Self.fastOptions {
            $0.heartbeatTimeout = 1
            $0.onReconnect = { info in reasons.withLock { $0.append(info.reason) } }
        }))
        defer { collector.task.cancel() }
        // A loaded machine can starve the client for a second before the event arrives; it then rightly
        // gives up on that connection, and the event with it. So publish again until one arrives.
        for _ in 0..<10 where collector.count == 0 {
            #expect(await server.wait { $0.openStreams == 1 })
            server.publish(type: "connection.connected")
            await server.wait(timeout: .seconds(3)) { _ in collector.count > 0 }
        }
        await collector.waitFor(1)
        let requestsBefore = server.requests.count
        let reasonsBefore = reasons.withLock { $0.count }
        server.update { $0.heartbeatInterval = nil }
        // No byte for 1 s: the client replaces the connection, asking for what followed its last event.
        #expect(await server.wait { $0.requests.count > requestsBefore })
        #expect(reasons.withLock { $0.dropFirst(reasonsBefore).first } == .heartbeatTimeout)
        #expect(server.requests[requestsBefore].header("Last-Event-ID") == collector.ids.last ?? nil)
        // The old socket is closed: the server finds out at its next write.
        server.update { $0.heartbeatInterval = .milliseconds(100) }
        #expect(await server.wait { $0.closedStreams >= 1 && $0.openStreams == 1 })
    }

    @Test func heartbeatsKeepAQuietConnectionOpen() async throws {
        let server = try FakeEventStream.start(configuration: .init(heartbeatInterval: .milliseconds(100)))
        defer { Task { await server.stop() } }
        let collector = Collector(try server.client().events.subscribe(options: Self.fastOptions {
            $0.heartbeatTimeout = 3
        }))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })
        // Longer than the timeout, with a ping every 100 ms: only a stall of 3 s could end it.
        try await Task.sleep(for: .seconds(5))
        server.publish(type: "connection.connected")
        await collector.waitFor(1)
        #expect(server.requests.count == 1)
    }

    @Test func unauthorisedEndsTheSequenceWithAuth() async throws {
        let server = try FakeEventStream.start()
        defer { Task { await server.stop() } }
        server.acceptAPIKeys(["vendo_sk_the_right_one"])
        let sequence = try server.client(apiKey: "vendo_sk_wrong").events.subscribe(options: Self.fastOptions())
        do {
            for try await _ in sequence {}
            Issue.record("the sequence ended without an error")
        } catch let error as VendoError {
            guard case .auth(_, let code) = error else {
                Issue.record("expected .auth, got \(error)")
                return
            }
            #expect(code == "app_unknown")
            #expect(error.status == 401)
        }
        #expect(server.requests.count == 1)
    }

    @Test func transientFailuresAreRetriedUntilTheStreamOpens() async throws {
        let server = try FakeEventStream.start()
        defer { Task { await server.stop() } }
        server.failNext(status: 503, times: 2)
        server.failNext(status: 429, code: "rate_limit_sse_streams")
        let collector = Collector(try server.client().events.subscribe(options: Self.fastOptions()))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })
        server.publish(type: "connection.connected")
        await collector.waitFor(1)
        #expect(server.requests.count == 4)
    }

    @Test func cancellingTheConsumerClosesTheConnectionAndTheServerSeesIt() async throws {
        // VendoHTTPServer learns that a client left a streamed response at its next write,
        // so the fake pings often; the client's side closes at once either way.
        let server = try FakeEventStream.start(configuration: .init(heartbeatInterval: .milliseconds(200)))
        defer { Task { await server.stop() } }
        let collector = Collector(try server.client().events.subscribe(options: Self.fastOptions()))
        #expect(await server.wait { $0.openStreams == 1 })
        server.publish(type: "connection.connected")
        await collector.waitFor(1)
        collector.task.cancel()
        let closed = await server.wait(timeout: .seconds(10)) { $0.openStreams == 0 }
        #expect(closed)
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.requests.count == 1)
    }

    @Test func aUserScopedClientSendsItsJWT() async throws {
        let server = try FakeEventStream.start()
        defer { Task { await server.stop() } }
        let scoped = try server.client().forUser(jwt: "eyJ.user.jwt")
        let collector = Collector(try scoped.events.subscribe(options: Self.fastOptions()))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })
        #expect(server.requests.first?.header("X-Vendo-User-JWT") == "eyJ.user.jwt")
    }

    @Test func legacyAliasesFromAnOlderServerAreSurfacedOnce() async throws {
        let server = try FakeEventStream.start(configuration: .init(sendsLegacyAliases: true))
        defer { Task { await server.stop() } }
        let collector = Collector(try server.client().events.subscribe(options: Self.fastOptions()))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })
        server.publish(type: "connection.connected", data: ["slug": "a"])
        server.publish(type: "connection.status_changed", data: ["slug": "a", "status": "needs_reauth"])
        let last = server.publish(type: "billing.usage_recorded")
        await waitUntil("the last event") { collector.ids.contains(last.id) }
        #expect(collector.events.withLock { $0.map(\.type) } == [
            "connection.connected", "connection.status_changed", "billing.usage_recorded",
        ])
    }

    @Test func anOversizeEventIsDroppedAndTheStreamGoesOn() async throws {
        let server = try FakeEventStream.start()
        defer { Task { await server.stop() } }
        let dropped = Locked<[SSEParser.DroppedEvent]>([])
        let collector = Collector(try server.client().events.subscribe(options: Self.fastOptions {
            $0.maxEventBytes = 4096
            $0.onEventDropped = { event in dropped.withLock { $0.append(event) } }
        }))
        defer { collector.task.cancel() }
        #expect(await server.wait { $0.openStreams == 1 })
        server.publish(type: "big", data: ["blob": .string(String(repeating: "x", count: 100_000))], id: "big")
        let small = server.publish(type: "small")
        await collector.waitFor(1)
        #expect(collector.ids == [small.id])
        #expect(dropped.withLock { $0 } == [SSEParser.DroppedEvent(type: "big", id: "big", limit: 4096)])
        #expect(server.requests.count == 1)
    }

    @Test func theFakeEventStreamReplaysOnlyWhatIsBuffered() async throws {
        let server = try FakeEventStream.start(configuration: .init(replayLimit: 2))
        defer { Task { await server.stop() } }
        let events = (1...4).map { server.publish(type: "e\($0)") }
        #expect(server.bufferedEvents.map(\.id) == events.suffix(2).map(\.id))
    }
}
