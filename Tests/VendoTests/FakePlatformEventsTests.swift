import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// The fake platform's live event route: a real `Vendo` over URLSession,
/// events pushed through `platform.eventStream`, the platform's checks first.
@Suite struct FakePlatformEventsTests {
    typealias Collector = EventsLiveTests.Collector

    @Test func aClientReceivesLiveEventsWithThePlatformsHeaders() async throws {
        try await withPlatform { platform in
            let key = uniqueKey()
            let vendo = try platform.testClient(key: key)
            let collector = Collector(try vendo.events.subscribe(options: EventsLiveTests.fastOptions()))
            defer { collector.task.cancel() }
            #expect(await platform.eventStream.wait { $0.openStreams == 1 })

            let sent = [
                platform.eventStream.publish(type: "connection.connected", data: ["slug": "slack"]),
                platform.eventStream.publish(type: "billing.balance_changed", data: ["remaining_micros": 5]),
            ]
            await collector.waitFor(2)
            #expect(collector.events.withLock { $0 } == sent)
            // Still the same connection: the stream is live, not a fixed body that ended.
            let later = platform.eventStream.publish(type: "connection.disconnected", data: ["slug": "slack"])
            await collector.waitFor(3)
            #expect(collector.ids.last == later.id)
            #expect(platform.requests(to: .events).count == 1)

            let request = try #require(platform.requests(to: .events).first)
            #expect(request.method == "GET")
            #expect(request.path == "/api/deployments/me/events")
            #expect(request.header("Authorization") == "Bearer \(key)")
            #expect(request.header("Accept") == "text/event-stream")
            #expect(request.header("Vendo-API-Version") == "2026-05-07")
            #expect(request.header("User-Agent") == VendoSDK.userAgent)
            #expect(request.header("X-Vendo-User-JWT") == nil)
        }
    }

    @Test func aUserScopedClientsStreamCarriesItsJWT() async throws {
        try await withPlatform { platform in
            let scoped = try platform.testClient().forUser(jwt: "jwt-events")
            let collector = Collector(try scoped.events.subscribe(options: EventsLiveTests.fastOptions()))
            defer { collector.task.cancel() }
            #expect(await platform.eventStream.wait { $0.openStreams == 1 })
            let event = platform.eventStream.publish(type: "connection.connected", data: ["slug": "gmail"])
            await collector.waitFor(1)
            #expect(collector.ids == [event.id])
            #expect(platform.requests(to: .events).first?.header("X-Vendo-User-JWT") == "jwt-events")
            #expect(platform.eventStream.requests.first?.header("X-Vendo-User-JWT") == "jwt-events")
        }
    }

    @Test func anUnknownKeyIsRefusedByThePlatformBeforeTheStream() async throws {
        try await withPlatform { platform in
            platform.acceptAPIKeys(["vendo_sk_the_right_one"])
            let sequence = try platform.testClient(key: "vendo_sk_wrong").events.subscribe(
                options: EventsLiveTests.fastOptions())
            await #expect {
                for try await _ in sequence {}
            } throws: { error in
                guard let error = error as? VendoError, case .auth(_, let code) = error else { return false }
                return code == "app_unknown" && error.status == 401
            }
            #expect(platform.requests(to: .events).count == 1)
            #expect(platform.eventStream.requests.isEmpty)
        }
    }

    @Test func injectedFailuresComeFirstThenTheStreamOpens() async throws {
        try await withPlatform { platform in
            platform.inject(.serverError(503), into: .events, times: 2)
            let collector = Collector(try platform.testClient().events.subscribe(options: EventsLiveTests.fastOptions()))
            defer { collector.task.cancel() }
            #expect(await platform.eventStream.wait { $0.openStreams == 1 })
            platform.eventStream.publish(type: "connection.connected")
            await collector.waitFor(1)
            #expect(platform.requests(to: .events).count == 3)
            #expect(platform.eventStream.requests.count == 1)
        }
    }

    @Test func stopEndsOpenStreamsCleanly() async throws {
        let platform = try FakePlatform.start()
        let reasons = Locked<[EventStreamReconnect.Reason]>([])
        let collector = Collector(try platform.testClient().events.subscribe(options: EventsLiveTests.fastOptions {
            $0.onReconnect = { info in reasons.withLock { $0.append(info.reason) } }
        }))
        defer { collector.task.cancel() }
        #expect(await platform.eventStream.wait { $0.openStreams == 1 })
        platform.eventStream.publish(type: "connection.connected")
        await collector.waitFor(1)
        await platform.stop()
        #expect(platform.eventStream.openStreams == 0)
        #expect(platform.eventStream.closedStreams == 1)
        // Ended with the final chunk, not cut when the shutdown's grace period ran out.
        await waitUntil("the client to see the end") { !reasons.withLock { $0 }.isEmpty }
        #expect(reasons.withLock { $0 }.first == .endOfStream)
    }
}
