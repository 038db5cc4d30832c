import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// The HTTP layer over real sockets: headers, idempotency, retries, timeouts, network errors, streaming.
@Suite struct TransportIntegrationTests {
    @Test func writesCarryIdempotencyKeyAndContentType() async throws {
        try await withPlatform { platform in
            platform.setAction("ACT", result: ["ok": true])
            let key = uniqueKey()
            let vendo = try platform.testClient(key: key)
            _ = try await vendo.data.execute("ACT", ["n": 1])
            _ = try await vendo.data.execute("ACT", ["n": 2], idempotencyKey: "my-key-1")
            let requests = platform.requests(to: .execute)
            #expect(requests.count == 2)
            let first = try #require(requests.first)
            #expect(first.header("Content-Type") == "application/json")
            #expect(first.header("Authorization") == "Bearer \(key)")
            #expect(first.header("Vendo-API-Version") == "2026-05-07")
            #expect(first.header("Accept") == "application/json")
            #expect(first.header("User-Agent") == VendoSDK.userAgent)
            let generated = try #require(first.header("Idempotency-Key"))
            #expect(UUID(uuidString: generated) != nil)
            #expect(requests[1].header("Idempotency-Key") == "my-key-1")
        }
    }

    @Test func readsCarryNoIdempotencyKeyOrContentType() async throws {
        try await withPlatform { platform in
            let vendo = try platform.testClient()
            _ = try await vendo.billing.balance()
            let request = try #require(platform.requests(to: .balance).first)
            #expect(request.header("Idempotency-Key") == nil)
            #expect(request.header("Content-Type") == nil)
        }
    }

    @Test(arguments: [500, 502, 503, 504])
    func retryableStatusesAreRetriedThenSucceed(status: Int) async throws {
        try await withPlatform { platform in
            platform.setBalance(Balance(creditsRemainingMicros: 5, currency: "USD", topUpURL: "u"))
            platform.inject(.serverError(status), into: .balance, times: 2)
            let sleeps = SleepRecorder()
            let vendo = try platform.testClient(sleeps: sleeps)
            #expect(try await vendo.billing.balance().creditsRemainingMicros == 5)
            #expect(platform.requests(to: .balance).count == 3)
            #expect(sleeps.sleeps == [0.5, 1.0])
        }
    }

    @Test func retriesStopAfterThreeAttemptsAndMapTheLastAnswer() async throws {
        try await withPlatform { platform in
            platform.inject(
                .error(status: 503, code: "upstream_error", message: "still down"), into: .connections, times: 5)
            let sleeps = SleepRecorder()
            let vendo = try platform.testClient(sleeps: sleeps)
            await #expect(throws: VendoError.upstream(status: 503, message: "still down")) {
                _ = try await vendo.connections.list()
            }
            #expect(platform.requests(to: .connections).count == 3)
            #expect(sleeps.sleeps == [0.5, 1.0])
        }
    }

    @Test func backoffStaysWithinItsBoundsWithRealJitter() async throws {
        try await withPlatform { platform in
            platform.inject(.serverError(500), into: .spendCaps, times: 4)
            let waits = SleepRecorder()
            let policy = RetryPolicy(
                maxAttempts: 5, sleep: { seconds in waits.record(seconds) })
            let vendo = try platform.client(apiKey: uniqueKey(), retryPolicy: policy)
            _ = try await vendo.billing.spendCaps()
            let recorded = waits.sleeps
            #expect(recorded.count == 4)
            for (index, base) in [0.5, 1.0, 2.0, 4.0].enumerated() {
                #expect(recorded[index] >= base && recorded[index] <= base * 1.25)
            }
        }
    }

    @Test func idempotencyKeyIsTheSameOnEveryRetry() async throws {
        try await withPlatform { platform in
            platform.setAction("ACT", result: 1)
            platform.inject(.serverError(502), into: .execute, times: 2)
            let vendo = try platform.testClient()
            #expect(try await vendo.data.execute("ACT") == 1)
            let keys = platform.requests(to: .execute).compactMap { $0.header("Idempotency-Key") }
            #expect(keys.count == 3)
            #expect(Set(keys).count == 1)
        }
    }

    @Test(arguments: [400, 401, 403, 404, 409, 429, 501])
    func otherStatusesAreNotRetried(status: Int) async throws {
        try await withPlatform { platform in
            platform.inject(.error(status: status, code: "whatever"), into: .balance, times: 3)
            let vendo = try platform.testClient()
            await #expect(throws: VendoError.self) { _ = try await vendo.billing.balance() }
            #expect(platform.requests(to: .balance).count == 1)
        }
    }

    @Test func networkErrorsAreRetriedThenReported() async throws {
        let unreachable = try UnreachablePort()
        let deadURL = unreachable.url
        let sleeps = SleepRecorder()
        let vendo = try Vendo(
            apiKey: uniqueKey(), baseURL: deadURL.absoluteString, env: [:], retryPolicy: sleeps.policy(), timeout: 10)
        await #expect {
            _ = try await vendo.connections.list()
        } throws: { error in
            guard let error = error as? VendoError, case .other(let code, let message, nil) = error else { return false }
            return code == "network_error" && message.contains("3 attempts") && message.contains("VENDO_BASE_URL")
        }
        #expect(sleeps.sleeps == [0.5, 1.0])
        withExtendedLifetime(unreachable) {}
    }

    @Test func slowAnswerTimesOut() async throws {
        try await withPlatform { platform in
            platform.pause(.balance)
            // Should the deadline not fire, the watchdog lets the request succeed and the test fails.
            let watchdog = Task {
                try await Task.sleep(nanoseconds: 20_000_000_000)
                platform.resume(.balance)
            }
            let vendo = try platform.testClient(maxAttempts: 1, timeout: 0.3)
            await #expect {
                _ = try await vendo.billing.balance()
            } throws: { error in
                guard let error = error as? VendoError else { return false }
                return error.code == "network_error" && error.message.contains("timed out after 0.3 s")
            }
            watchdog.cancel()
            platform.resume(.balance)
        }
    }

    @Test func slowButInTimeSucceeds() async throws {
        try await withPlatform { platform in
            platform.inject(.delay(0.2), into: .balance)
            let vendo = try platform.testClient(maxAttempts: 1, timeout: 20)
            #expect(try await vendo.billing.balance() == Balance())
        }
    }

    @Test func cancellationStopsTheRequest() async throws {
        try await withPlatform { platform in
            platform.pause(.balance)
            let vendo = try platform.testClient()
            let task = Task { try await vendo.billing.balance() }
            await platform.waitForRequests(1, to: .balance)
            task.cancel()
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            platform.resume(.balance)
        }
    }

    @Test func streamDeliversHeadThenBody() async throws {
        try await withPlatform { platform in
            let response = try await URLSessionTransport().stream(TransportRequest(
                method: "GET", url: platform.baseURL.appendingPathComponent("api/deployments/me/events"),
                headers: ["Authorization": "Bearer k", "Accept": "text/event-stream"], timeout: 30))
            #expect(response.head.status == 200)
            #expect(response.head.header("content-type") == "text/event-stream")
            // The head came before any event: the body follows as the server publishes, then ends.
            #expect(await platform.eventStream.wait { $0.openStreams == 1 })
            platform.eventStream.publish(EventStreamMessage(type: "connection.connected", data: ["slug": "slack"], id: "1"))
            platform.eventStream.endStreams()
            var text = Data()
            for try await chunk in response.body { text.append(chunk) }
            let body = String(decoding: text, as: UTF8.self)
            #expect(body.contains("event: connection.connected"))
            #expect(body.contains(#"data: {"slug":"slack"}"#))
        }
    }

    @Test func streamOfAnErrorStatusStillGivesTheHead() async throws {
        try await withPlatform { platform in
            let response = try await URLSessionTransport().stream(TransportRequest(
                method: "GET", url: platform.baseURL.appendingPathComponent("api/deployments/me/events"), timeout: 30))
            #expect(response.head.status == 401)
            var body = Data()
            for try await chunk in response.body { body.append(chunk) }
            #expect(VendoError.from(status: 401, headers: response.head.headers, body: body).code == "app_unknown")
        }
    }
}
