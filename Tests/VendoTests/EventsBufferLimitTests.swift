import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// `EventStreamOptions.maxBufferedEvents` against the fake platform over a real
/// socket: a consumer that stops reading never has more than the bound buffered,
/// and once it reads again every event arrives exactly once, in order, replayed
/// by the server from the `Last-Event-ID` of the last event that fit.
@Suite struct EventsBufferLimitTests {
    /// Makes its iterator at once (so the stream connects) but reads only once `start()` is called.
    final class PausedReader: Sendable {
        let events = Locked<[EventStreamMessage]>([])
        let go = Locked(false)
        let task: Task<Void, Never>

        init(_ sequence: EventsAsyncSequence) {
            let events = self.events
            let go = self.go
            task = Task {
                var iterator = sequence.makeAsyncIterator()
                while !go.withLock({ $0 }) {
                    try? await Task.sleep(for: .milliseconds(5))
                    if Task.isCancelled { return }
                }
                while let event = try? await iterator.next() { events.withLock { $0.append(event) } }
            }
        }

        func start() { go.withLock { $0 = true } }
        var count: Int { events.withLock { $0.count } }
    }

    @Test func theDefaultBoundIsTenThousandEvents() {
        #expect(EventStreamOptions().maxBufferedEvents == 10_000)
        #expect(EventStreamOptions.defaultMaxBufferedEvents == 10_000)
    }

    @Test(arguments: [0, -1])
    func aBoundBelowOneIsRefused(bound: Int) throws {
        let vendo = try Vendo(apiKey: "vendo_sk_test", baseURL: "http://127.0.0.1:9", env: [:])
        #expect {
            _ = try vendo.events.subscribe(options: EventStreamOptions(maxBufferedEvents: bound))
        } throws: { error in
            guard case .validation(let message) = error as? VendoError else { return false }
            return message.contains("maxBufferedEvents must be at least 1 (got \(bound))")
        }
    }

    @Test func aConsumerThatStopsReadingLosesNothingAndRepeatsNothing() async throws {
        try await withPlatform { platform in
            let reasons = Locked<[EventStreamReconnect]>([])
            let dropped = Locked<[SSEParser.DroppedEvent]>([])
            let reader = PausedReader(try platform.testClient().events.subscribe(options: EventsLiveTests.fastOptions {
                $0.maxBufferedEvents = 5
                $0.onReconnect = { info in reasons.withLock { $0.append(info) } }
                $0.onEventDropped = { event in dropped.withLock { $0.append(event) } }
            }))
            defer { reader.task.cancel() }
            let stream = platform.eventStream
            #expect(await stream.wait { $0.openStreams == 1 })

            let sent = (1...12).map { stream.publish(type: "billing.usage_recorded", data: ["micros": .int($0)]) }
            // The sixth event does not fit in the buffer of five: the stream hangs up instead of holding it.
            // (The fake server notices the hang-up only at its next write, so the callback is what to wait for.)
            await waitUntil("the buffer-full hang-up") { reasons.withLock { $0 }.contains { $0.reason == .bufferFull } }
            let first = try #require(reasons.withLock { $0 }.first)
            #expect(first.reason == .bufferFull && first.attempt == 0 && first.delaySeconds == 0)
            #expect(first.description.contains("not keeping up"))
            // No reconnection while the consumer has not made room.
            #expect(stream.requests.count == 1)
            // Published while the client is away: the server keeps them for the replay.
            let later = (13...15).map { stream.publish(type: "billing.usage_recorded", data: ["micros": .int($0)]) }

            reader.start()
            await waitUntil("all 15 events") { reader.count >= 15 }
            try await Task.sleep(for: .milliseconds(100))
            #expect(reader.events.withLock { $0 } == sent + later)
            // Resumed right after the fifth event, the last one the buffer took.
            #expect(stream.requests.count >= 2)
            #expect(stream.requests.dropFirst().first?.header("Last-Event-ID") == sent[4].id)
            #expect(dropped.withLock { $0 }.isEmpty)
        }
    }

    @Test func eventsWithoutIdsThatDoNotFitAreReportedAsDropped() async throws {
        try await withPlatform { platform in
            let dropped = Locked<[SSEParser.DroppedEvent]>([])
            let reader = PausedReader(try platform.testClient().events.subscribe(options: EventsLiveTests.fastOptions {
                $0.maxBufferedEvents = 2
                $0.onEventDropped = { event in dropped.withLock { $0.append(event) } }
            }))
            defer { reader.task.cancel() }
            let stream = platform.eventStream
            #expect(await stream.wait { $0.openStreams == 1 })

            stream.sendRaw("data: one\n\ndata: two\n\nevent: billing.cap_tripped\ndata: three\n\n")
            await waitUntil("the third event to be reported") { !dropped.withLock { $0 }.isEmpty }
            let report = try #require(dropped.withLock { $0 }.first)
            #expect(report == SSEParser.DroppedEvent(type: "billing.cap_tripped", id: nil, limit: 2, reason: .bufferFull))
            #expect(report.description.contains("maxBufferedEvents"))
            #expect(dropped.withLock { $0 }.count == 1)

            reader.start()
            await waitUntil("the two buffered events") { reader.count >= 2 }
            #expect(reader.events.withLock { $0 }.map(\.data) == ["one", "two"])
            // There was no id to resume from: the new connection asks for none.
            #expect(await stream.wait { $0.requests.count == 2 })
            #expect(stream.requests[1].header("Last-Event-ID") == nil)
            let next = stream.publish(type: "connection.connected", data: ["slug": "slack"])
            await waitUntil("the next live event") { reader.count >= 3 }
            #expect(reader.events.withLock { $0 }.last == next)
        }
    }

    @Test func anAliasEventThatDidNotFitIsNotTakenForARepeatWhenReplayed() async throws {
        // An older server that sends only the legacy name: the event that did not fit must
        // come back on the replay, not be skipped as the alias of something already surfaced.
        let transport = ScriptedStreamTransport([
            .events([sseBlock(id: "e1", type: "connection.connected"), sseBlock(id: "e2", type: "connection_created")],
                ending: .hang),
            .events([sseBlock(id: "e2", type: "connection_created")], ending: .hang),
        ])
        var options = EventStreamOptions(maxBufferedEvents: 1, sleep: RecordedSleeps().sleep, random: { 0 })
        let reasons = Locked<[EventStreamReconnect.Reason]>([])
        options.onReconnect = { info in reasons.withLock { $0.append(info.reason) } }
        let reader = PausedReader(
            try EventsAPI(context: eventsContext(transport: transport)).subscribe(options: options))
        defer { reader.task.cancel() }
        await waitUntil("the buffer-full hang-up") { reasons.withLock { $0 } == [.bufferFull] }
        // The first body was abandoned: the stream stopped reading it.
        await transport.waitForTerminatedBodies(1)
        reader.start()
        await waitUntil("both events") { reader.count >= 2 }
        #expect(reader.events.withLock { $0 }.map(\.id) == ["e1", "e2"])
        #expect(transport.requests.count == 2)
        #expect(transport.requests[1].header("Last-Event-ID") == "e1")
    }

    @Test func oversizeDropsKeepTheirOwnReason() {
        let event = SSEParser.DroppedEvent(type: "message", id: "9", limit: 10)
        #expect(event.reason == .oversize)
        #expect(event.description.contains("larger than 10 bytes"))
    }
}
