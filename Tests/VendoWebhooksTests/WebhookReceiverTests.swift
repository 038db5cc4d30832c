import Foundation
import Logging
import Testing
import Vendo
import VendoHTTPServer

@testable import VendoWebhooks

@Suite struct WebhookReceiverTests {
    // MARK: Acknowledgement

    @Test func goodDeliveryIsAcknowledgedAfterTheHandlerRan() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.on("connection.connected") { seen.append($0) }
        let body = Fixture.envelope(id: "evt_1")
        let response = try await receiver.respond(to: Fixture.post(body, extra: [("X-Vendo-Provider", "telegram")]))
        #expect(response.status == .ok)
        #expect(response.bodyText == #"{"ok":true,"id":"evt_1"}"#)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let delivery = try #require(seen.all.first)
        #expect(seen.count == 1)
        #expect(delivery.id == "evt_1")
        #expect(delivery.type == "connection.connected")
        #expect(delivery.occurredAt == "2026-05-07T10:00:00Z")
        #expect(delivery.data == ["slug": "gmail"])
        #expect(delivery.payload["id"] == "evt_1")
        #expect(delivery.rawBody == body)
        #expect(delivery.isEnvelope)
        #expect(delivery.dedupeKey == "evt_1")
        #expect(delivery.source == .vendo)
        #expect(delivery.provider == "telegram")
        #expect(delivery.headers["Vendo-Timestamp"] != nil)
        #expect(delivery.headers["Vendo-Signature"] == nil)
        #expect(receiver.metrics.count(.ok) == 1)
    }

    @Test func handlersSeeOnlyTheForwardedHeadersAndDumpsShowNoOthers() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.on("connection.connected") { seen.append($0) }
        let request = Fixture.post(
            Fixture.envelope(id: "evt_headers"),
            extra: [
                ("x-vendo-connection-id", "conn_1"), ("X-VENDO-CONNECTION-ID", "conn_2"), ("user-agent", "vendo-hooks/1"),
                ("Authorization", "Bearer secret-token-123"), ("Cookie", "session=secret-cookie-456"),
            ])
        let signature = try #require(request.headers["Vendo-Signature"])
        let response = try await receiver.respond(to: request)
        #expect(response.status == .ok)
        let delivery = try #require(seen.all.first)
        // The first of each forwarded field, under its canonical spelling, in arrival order.
        #expect(delivery.headers.map(\.name) == ["Vendo-Timestamp", "Content-Type", "X-Vendo-Connection-Id", "User-Agent"])
        #expect(delivery.headers["X-Vendo-Connection-Id"] == "conn_1")
        var dumped = ""
        dump(delivery, to: &dumped)
        #expect(dumped.contains("evt_headers") && dumped.contains("vendo-hooks/1"))
        for secret in [signature, "secret-token-123", "secret-cookie-456"] {
            #expect(!dumped.contains(secret), "dump shows \(secret)")
        }
    }

    @Test func handMadeDeliveriesKeepWhatTheyAreGiven() {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "kept as given")
        let body = Array(#"{"id":"evt_h","type":"t","data":{"k":1}}"#.utf8)
        let delivery = WebhookDelivery(
            id: "evt_h", type: "t", occurredAt: "2026-01-01T00:00:00Z", rawBody: body, headers: headers)
        #expect(delivery.occurredAt == "2026-01-01T00:00:00Z")
        #expect(delivery.headers["Authorization"] == "kept as given", "hand-made headers are not filtered")
        #expect(delivery.data == ["k": 1])
        #expect(delivery.payload["id"] == "evt_h")
        let notJSON = WebhookDelivery(id: "x", type: "t", rawBody: Array("nope".utf8))
        #expect(notJSON.occurredAt == "" && notJSON.headers.isEmpty)
        #expect(notJSON.payload == .null && notJSON.data == [:])
        let provider = WebhookDelivery(id: "p", type: "provider.x", rawBody: Array("[1]".utf8), isEnvelope: false)
        #expect(provider.data == [1] && provider.payload == [1])
    }

    @Test func noMatchingHandlerIsStillSuccess() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<String>()
        receiver.on("billing.*") { seen.append($0.type) }
        let response = try await receiver.respond(to: Fixture.post(Fixture.envelope(id: "evt_none")))
        #expect(response.status == .ok)
        #expect(response.json["ok"] == true)
        #expect(seen.count == 0)
        #expect(receiver.dedupe.contains("evt_none"))
    }

    @Test func escapesTheIdInTheAcknowledgement() async throws {
        let receiver = Fixture.receiver()
        let body = Array(#"{"id":"a\"b\\c\u0001","type":"t"}"#.utf8)
        let response = try await receiver.respond(to: Fixture.post(body))
        #expect(response.status == .ok)
        #expect(response.json == ["ok": true, "id": "a\"b\\c\u{01}"])
    }

    // MARK: Routing

    @Test func routesByExactWildcardAndAny() async throws {
        var receiver = Fixture.receiver()
        let calls = Recorder<String>()
        receiver.on("connection.connected", name: "exact") { _ in calls.append("exact") }
        receiver.on("connection.*", name: "prefix") { _ in calls.append("prefix") }
        receiver.onAny(name: "any") { _ in calls.append("any") }
        receiver.on("connection.disconnected", name: "other") { _ in calls.append("other") }
        receiver.on("billing.*", name: "billing") { _ in calls.append("billing") }
        #expect(receiver.handlerNames(matching: "connection.connected") == ["exact", "prefix", "any"])

        _ = try await receiver.respond(to: Fixture.post(Fixture.envelope(type: "connection.connected")))
        #expect(Set(calls.all) == ["exact", "prefix", "any"])
        #expect(calls.count == 3)
    }

    @Test func severalHandlersForOneTypeRunConcurrently() async throws {
        var receiver = Fixture.receiver()
        // Each handler waits until both have started: only concurrent execution finishes.
        let started = Recorder<Int>()
        for index in 1...2 {
            receiver.on("x.y") { _ in
                started.append(index)
                guard await waitUntil(timeout: .seconds(10), { started.count == 2 }) else {
                    throw TestFailure("handlers ran one after the other")
                }
            }
        }
        let response = try await receiver.respond(to: Fixture.post(Fixture.envelope(type: "x.y")))
        #expect(response.status == .ok)
        #expect(Set(started.all) == [1, 2])
    }

    // MARK: Verification failures

    @Test func everyVerificationFailureIs400WithTheCodeHeaderAndNoSignature() async throws {
        let receiver = Fixture.receiver()
        let body = Fixture.envelope(id: "evt_bad")
        let good = Fixture.signatureHeaders(body)
        let signature = good["Vendo-Signature"]!
        let timestamp = good["Vendo-Timestamp"]!
        let expectedForWrongSecret = Fixture.signatureHeaders(body, secret: "other")["Vendo-Signature"]!

        var cases: [(String, HTTPHeaders, [UInt8])] = []
        cases.append(("no headers", [:], body))
        cases.append(("no signature", ["Vendo-Timestamp": timestamp], body))
        cases.append(("no timestamp", ["Vendo-Signature": signature], body))
        cases.append(("bad timestamp", ["Vendo-Signature": signature, "Vendo-Timestamp": "yesterday"], body))
        let old = Fixture.signatureHeaders(body, date: Date().addingTimeInterval(-3600))
        cases.append(("too old", old, body))
        let future = Fixture.signatureHeaders(body, date: Date().addingTimeInterval(3600))
        cases.append(("future", future, body))
        cases.append(("short hex", ["Vendo-Signature": String(signature.dropLast()), "Vendo-Timestamp": timestamp], body))
        cases.append(("non-hex", ["Vendo-Signature": String(signature.dropLast()) + "g", "Vendo-Timestamp": timestamp], body))
        cases.append(("sha256= prefix", ["Vendo-Signature": "sha256=" + signature, "Vendo-Timestamp": timestamp], body))
        cases.append(("trailing garbage", ["Vendo-Signature": signature + "00", "Vendo-Timestamp": timestamp], body))
        cases.append(("wrong secret", Fixture.signatureHeaders(body, secret: "other"), body))
        cases.append(("tampered body", good, body + [0x20]))
        let notJSON = Array("not json".utf8)
        cases.append(("not JSON", Fixture.signatureHeaders(notJSON), notJSON))
        let truncated = Array(#"{"id":"x","type":"#.utf8)
        cases.append(("truncated JSON", Fixture.signatureHeaders(truncated), truncated))

        for (label, headers, sentBody) in cases {
            let request = HTTPRequest(method: .post, target: "/webhooks/vendo", headers: headers, body: HTTPRequestBody(bytes: sentBody))
            let response = try await receiver.respond(to: request)
            #expect(response.status == .badRequest, "\(label)")
            #expect(response.headers["Vendo-Error-Code"] == "validation_failed", "\(label)")
            #expect(response.json["error"]?["code"] == "validation_failed", "\(label)")
            let message = try #require(response.json["error"]?["message"]?.stringValue, "\(label)")
            #expect(!message.isEmpty, "\(label)")
            #expect(!message.contains(signature), "\(label): leaks the expected signature")
            #expect(!message.contains(expectedForWrongSecret), "\(label)")
            #expect(!message.contains(Fixture.secret), "\(label): leaks the secret")
        }
        #expect(receiver.metrics.count(.invalid) == cases.count)
    }

    @Test func verificationHeadersAreMatchedInAnyCaseAndRefusedWhenRepeated() async throws {
        let receiver = Fixture.receiver()
        let body = Fixture.envelope(id: "evt_case")
        let good = Fixture.signatureHeaders(body)
        let signature = good["Vendo-Signature"]!
        let timestamp = good["Vendo-Timestamp"]!

        func send(_ fields: [(String, String)]) async throws -> HTTPResponse {
            var headers = HTTPHeaders()
            for (name, value) in fields { headers.add(name: name, value: value) }
            return try await receiver.respond(to: HTTPRequest(
                method: .post, target: "/webhooks/vendo", headers: headers, body: HTTPRequestBody(bytes: body)))
        }
        let lowerCase = try await send([("vendo-signature", signature), ("VENDO-TIMESTAMP", timestamp)])
        #expect(lowerCase.status == .ok)

        // A second signature, even a valid one under another spelling, makes the delivery ambiguous.
        for fields in [
            [("Vendo-Signature", signature), ("vendo-signature", signature), ("Vendo-Timestamp", timestamp)],
            [("Vendo-Signature", String(repeating: "0", count: 64)), ("Vendo-Signature", signature),
             ("Vendo-Timestamp", timestamp)],
            [("Vendo-Signature", signature), ("Vendo-Timestamp", timestamp), ("vendo-timestamp", timestamp)],
        ] {
            let response = try await send(fields)
            #expect(response.status == .badRequest, "\(fields.map(\.0))")
            #expect(response.headers["Vendo-Error-Code"] == "validation_failed")
            let message = response.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("Vendo-Signature") || message.contains("Vendo-Timestamp"), "\(message)")
        }
    }

    @Test func messagesSayWhichCheckFailed() async throws {
        let receiver = Fixture.receiver()
        let body = Fixture.envelope()
        let old = try await receiver.respond(to: Fixture.post(body, date: Date().addingTimeInterval(-3600)))
        #expect(old.json["error"]?["message"]?.stringValue?.contains("too old") == true)
        let notJSON = Array("{oops".utf8)
        let invalid = try await receiver.respond(to: Fixture.post(notJSON))
        #expect(invalid.json["error"]?["message"]?.stringValue?.contains("not valid JSON") == true)
    }

    @Test func rotatedSecretsAreAllAccepted() async throws {
        let receiver = try WebhookReceiver(secrets: ["old_secret", "new_secret"])
        for secret in ["old_secret", "new_secret"] {
            let response = try await receiver.respond(to: Fixture.post(Fixture.envelope(), secret: secret))
            #expect(response.status == .ok, "\(secret)")
        }
        let response = try await receiver.respond(to: Fixture.post(Fixture.envelope(), secret: "third"))
        #expect(response.status == .badRequest)
    }

    @Test func secretsFromTheEnvironment() async throws {
        let receiver = try WebhookReceiver(environment: ["VENDO_WEBHOOK_SECRET": " a_secret , b_secret "])
        let response = try await receiver.respond(to: Fixture.post(Fixture.envelope(), secret: "b_secret"))
        #expect(response.status == .ok)
        #expect(throws: WebhookConfigurationError.self) { try WebhookReceiver(environment: [:]) }
        #expect(throws: WebhookConfigurationError.self) { try WebhookReceiver(environment: ["VENDO_WEBHOOK_SECRET": " , "]) }
        #expect(throws: WebhookConfigurationError.self) { try WebhookReceiver(secrets: []) }
        #expect(throws: WebhookConfigurationError.self) { try WebhookReceiver(secrets: ["  "]) }
        #expect(throws: WebhookConfigurationError.self) { try WebhookReceiver(webhooks: WebhooksAPI(secrets: [])) }
    }

    @Test func invalidConfigurationIsRefused() {
        let bad: [WebhookReceiver.Configuration] = [
            .init(maxBodySize: 0), .init(handlerTimeout: .zero), .init(dedupeCapacity: 0),
            .init(dedupeWindow: .seconds(-1)), .init(retryAfterSeconds: -1),
        ]
        for configuration in bad {
            #expect(throws: WebhookConfigurationError.self) { try WebhookReceiver(secrets: ["s"], configuration: configuration) }
        }
        #expect(throws: WebhookConfigurationError.self) { try WebhookReceiver(secrets: ["s"], maxAgeSeconds: 0) }
    }

    // MARK: Limits and methods

    @Test func bodyOverTheLimitIs413() async throws {
        var receiver = Fixture.receiver(.init(maxBodySize: 64))
        let seen = Recorder<String>()
        receiver.onAny { seen.append($0.id) }
        let body = Fixture.envelope(data: "\"" + String(repeating: "x", count: 100) + "\"")
        let response = try await receiver.respond(to: Fixture.post(body))
        #expect(response.status == .payloadTooLarge)
        #expect(response.json["error"]?["code"] == "payload_too_large")
        #expect(response.headers["Vendo-Error-Code"] == "payload_too_large")
        #expect(response.json["error"]?["message"]?.stringValue?.contains("64") == true)
        #expect(seen.count == 0)
        #expect(receiver.metrics.count(.tooLarge) == 1)
        // Exactly at the limit is fine.
        let small = try await receiver.respond(to: Fixture.post(Array(#"{"id":"s","type":"t"}"#.utf8)))
        #expect(small.status == .ok)
    }

    @Test func otherMethodsAre405WithAllowPost() async throws {
        let receiver = Fixture.receiver()
        for method: HTTPMethod in [.get, .put, .delete, .head, "PATCH"] {
            let response = try await receiver.respond(to: HTTPRequest(method: method, target: "/webhooks/vendo"))
            #expect(response.status == .methodNotAllowed, "\(method)")
            #expect(response.headers["Allow"] == "POST")
            #expect(response.json["error"]?["code"] == "method_not_allowed")
        }
    }

    // MARK: Failures, retries, timeouts

    @Test func handlerFailureIs503ThenARetrySucceeds() async throws {
        var receiver = Fixture.receiver(.init(retryAfterSeconds: 7))
        let attempts = Recorder<String>()
        let failures = Recorder<String>()
        receiver.on("connection.*", name: "flaky") { delivery in
            attempts.append(delivery.id)
            if attempts.count == 1 { throw TestFailure("database password=hunter2 unreachable") }
        }
        receiver.onError { delivery, failure in failures.append("\(delivery.id) \(failure.handlerName) \(failure.isTimeout)") }
        let body = Fixture.envelope(id: "evt_retry")
        let first = try await receiver.respond(to: Fixture.post(body))
        #expect(first.status == .serviceUnavailable)
        #expect(first.headers["Retry-After"] == "7")
        #expect(first.headers["Vendo-Error-Code"] == "handler_failed")
        #expect(first.json["error"]?["code"] == "handler_failed")
        #expect(!first.bodyText.contains("hunter2"), "internal details leaked")
        #expect(failures.all == ["evt_retry flaky false"])
        #expect(!receiver.dedupe.contains("evt_retry"))

        let retry = try await receiver.respond(to: Fixture.post(body))  // re-signed, as a sender retries
        #expect(retry.status == .ok)
        #expect(retry.json == ["ok": true, "id": "evt_retry"])
        #expect(attempts.count == 2)
        #expect(receiver.metrics.count(.handlerFailed) == 1)
        #expect(receiver.metrics.count(.ok) == 1)
    }

    @Test func oneFailingHandlerFailsTheDeliveryAndAllRunAgainOnRetry() async throws {
        var receiver = Fixture.receiver()
        let good = Recorder<Int>()
        let bad = Recorder<Int>()
        receiver.on("t", name: "good") { _ in good.append(1) }
        receiver.on("t", name: "bad") { _ in
            bad.append(1)
            if bad.count == 1 { throw TestFailure("boom") }
        }
        let body = Array(#"{"id":"evt_two","type":"t"}"#.utf8)
        #expect(try await receiver.respond(to: Fixture.post(body)).status == .serviceUnavailable)
        #expect(try await receiver.respond(to: Fixture.post(body)).status == .ok)
        #expect(good.count == 2)
        #expect(bad.count == 2)
    }

    @Test func timeoutIs503EvenWhenTheHandlerIgnoresCancellation() async throws {
        var receiver = Fixture.receiver(.init(handlerTimeout: .seconds(30)))
        let failures = Recorder<WebhookHandlerFailure>()
        let release = OneShot<Bool>()
        receiver.on("slow", name: "stubborn", timeout: .milliseconds(200)) { _ in
            // Ignores cancellation: only the test lets it finish.
            _ = await release.value()
        }
        receiver.onError { _, failure in failures.append(failure) }
        // Should the receiver wait for the handler after all, it is released after 60 s
        // (and the test fails below) rather than hanging for ever.
        let backstop = Task {
            try? await Task.sleep(for: .seconds(60))
            release.fulfill(true)
        }
        defer { backstop.cancel() }
        let started = ContinuousClock.now
        let response = try await receiver.respond(to: Fixture.post(Array(#"{"id":"evt_slow","type":"slow"}"#.utf8)))
        let elapsed = ContinuousClock.now - started
        release.fulfill(true)
        #expect(response.status == .serviceUnavailable)
        #expect(elapsed < .seconds(45), "answered only when the handler was released")
        let failure = try #require(failures.all.first)
        #expect(failure.isTimeout)
        #expect(failure.handlerName == "stubborn")
        #expect(receiver.metrics.count(.handlerTimeout) == 1)
        #expect(!receiver.dedupe.contains("evt_slow"))
    }

    @Test func timeoutCancelsACooperativeHandler() async throws {
        var receiver = Fixture.receiver(.init(handlerTimeout: .milliseconds(150)))
        let cancelled = Recorder<Bool>()
        receiver.on("slow") { _ in
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                cancelled.append(Task.isCancelled)
                throw error
            }
        }
        let response = try await receiver.respond(to: Fixture.post(Array(#"{"id":"evt_c","type":"slow"}"#.utf8)))
        #expect(response.status == .serviceUnavailable)
        #expect(await waitUntil { cancelled.count == 1 })
        #expect(cancelled.all == [true])
    }

    // MARK: Duplicates

    @Test func duplicateIsAcknowledgedWithoutRunningHandlers() async throws {
        var receiver = Fixture.receiver()
        let runs = Recorder<String>()
        receiver.onAny { runs.append($0.id) }
        let body = Fixture.envelope(id: "evt_dup")
        #expect(try await receiver.respond(to: Fixture.post(body)).status == .ok)
        let again = try await receiver.respond(to: Fixture.post(body))
        #expect(again.status == .ok)
        #expect(again.json["duplicate"] == true)
        #expect(again.json["ok"] == true)
        #expect(again.json["id"] == "evt_dup")
        #expect(runs.count == 1)
        #expect(receiver.metrics.count(.duplicate) == 1)
    }

    @Test func handlersSeeTheForwardedHeadersOnceEachUnderTheirCanonicalNames() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.onAny { seen.append($0) }
        let request = Fixture.post(Fixture.envelope(id: "evt_headers"), extra: [
            ("user-agent", "Vendo-Hooks/1"), ("X-Other", "not forwarded"),
            ("x-vendo-connection-id", " conn_1 "), ("X-Vendo-Connection-Id", "conn_2"),
        ])
        #expect(try await receiver.respond(to: request).status == .ok)
        let delivery = try #require(seen.all.first)
        let names = delivery.headers.map(\.name)
        #expect(Set(names) == ["Vendo-Timestamp", "Content-Type", "User-Agent", "X-Vendo-Connection-Id"])
        #expect(names.count == 4, "the first of each only")
        #expect(delivery.headers["User-Agent"] == "Vendo-Hooks/1")
        #expect(delivery.headers["X-Vendo-Connection-Id"] == " conn_1 ", "forwarded as received (a parser trims OWS)")
        #expect(delivery.connectionID == "conn_1")
        #expect(!delivery.headers.contains("Vendo-Signature"))
    }

    @Test func respondImmediatelyAnswersWhatNeedsNoWaitingAndHandsTheRestOnVerified() async throws {
        var receiver = Fixture.receiver()
        let runs = Recorder<String>()
        receiver.on("connection.connected") { runs.append($0.id) }
        // Held until the test lets it go: a timed sleep could end before
        // respondImmediately looks, on a busy machine.
        let (release, releaser) = AsyncStream<Void>.makeStream()
        receiver.on("connection.refreshed") { delivery in
            runs.append(delivery.id)
            for await _ in release { break }
        }

        // A handler that finishes without suspending: run and answered at once.
        var first = Fixture.post(Fixture.envelope(id: "evt_now_1"))
        let handled = try #require(receiver.respondImmediately(to: &first))
        #expect(handled.status == .ok)
        #expect(handled.json["id"] == "evt_now_1")
        #expect(handled.json["duplicate"] == nil)
        #expect(runs.all == ["evt_now_1"])
        #expect(receiver.metrics.count(.ok) == 1)
        #expect(receiver.dedupe.contains("evt_now_1"), "remembered as handled")

        // A handler that suspends: started, not answered now; the claim and
        // the running handler travel on, and respond(to:) waits for it.
        var slow = Fixture.post(Fixture.envelope(id: "evt_now_4", type: "connection.refreshed"))
        #expect(receiver.respondImmediately(to: &slow) == nil)
        #expect(runs.all == ["evt_now_1", "evt_now_4"], "started already")
        #expect(receiver.dedupe.claimWithoutWaiting("evt_now_4") == nil, "the claim is held for respond(to:)")
        #expect(receiver.metrics.count(.ok) == 1)
        releaser.yield()
        let answered = try await receiver.respond(to: slow)
        #expect(answered.status == .ok)
        #expect(runs.all == ["evt_now_1", "evt_now_4"], "not run a second time")
        #expect(receiver.metrics.count(.ok) == 2)

        // The same delivery again: a duplicate, answered at once, no handler run.
        var again = Fixture.post(Fixture.envelope(id: "evt_now_1"))
        let duplicate = try #require(receiver.respondImmediately(to: &again))
        #expect(duplicate.json["duplicate"] == true)

        // No handler matches this type: acknowledged at once.
        var other = Fixture.post(Fixture.envelope(id: "evt_now_2", type: "billing.charged"))
        let acknowledged = try #require(receiver.respondImmediately(to: &other))
        #expect(acknowledged.status == .ok)
        #expect(acknowledged.json["id"] == "evt_now_2")

        // A bad signature: refused at once.
        var forged = Fixture.post(Fixture.envelope(id: "evt_now_3"), secret: "not the secret")
        #expect(receiver.respondImmediately(to: &forged)?.status == .badRequest)
        #expect(runs.all == ["evt_now_1", "evt_now_4"])
        #expect(receiver.metrics.count(.ok) == 3)
        #expect(receiver.metrics.count(.duplicate) == 1)
    }

    @Test func aStartedDeliveryWhoseRequestIsDroppedStillFinishesItsClaim() async throws {
        var receiver = Fixture.receiver()
        let (release, releaser) = AsyncStream<Void>.makeStream()
        receiver.on("connection.connected") { _ in for await _ in release { break } }  // suspends
        do {
            // respondImmediately hands the delivery on, and the caller drops
            // the request instead of calling respond(to:).
            var request = Fixture.post(Fixture.envelope(id: "evt_dropped"))
            #expect(receiver.respondImmediately(to: &request) == nil)
            #expect(receiver.dedupe.inFlightCount == 1)
        }
        #expect(receiver.dedupe.inFlightCount == 1, "the handler still runs: the claim stays until it ends")
        releaser.yield()
        let deadline = ContinuousClock.now + .seconds(10)
        while receiver.dedupe.inFlightCount > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(receiver.dedupe.inFlightCount == 0, "the claim was finished")
        #expect(receiver.dedupe.contains("evt_dropped"), "the handler succeeded: remembered")
        // A redelivery is answered at once instead of waiting for an outcome.
        var again = Fixture.post(Fixture.envelope(id: "evt_dropped"))
        #expect(try #require(receiver.respondImmediately(to: &again)).json["duplicate"] == true)
    }

    @Test func aClosureWithoutAwaitRunsWithNoTaskOfItsOwnAndAnAsyncOneInItsOwnTask() async throws {
        var receiver = Fixture.receiver()
        let tasks = Recorder<String>()
        receiver.on("connection.connected") { _ in  // no await: the synchronous overload
            tasks.append(withUnsafeCurrentTask { "\($0?.hashValue ?? 0)" })
        }
        receiver.on("connection.refreshed") { _ in  // awaits, never suspends: its own task, answered at once
            await Self.returnsWithoutSuspending()
            tasks.append(withUnsafeCurrentTask { "\($0?.hashValue ?? 0)" })
        }
        let caller = withUnsafeCurrentTask { "\($0?.hashValue ?? 0)" }

        var sync = Fixture.post(Fixture.envelope(id: "evt_sync"))
        #expect(try #require(receiver.respondImmediately(to: &sync)).status == .ok)
        var async = Fixture.post(Fixture.envelope(id: "evt_async", type: "connection.refreshed"))
        #expect(try #require(receiver.respondImmediately(to: &async)).status == .ok, "finished without suspending")
        #expect(tasks.all.count == 2)
        #expect(tasks.all.first == caller, "called directly, in the caller's task")
        #expect(tasks.all.last != caller, "run in a task of its own")
        #expect(receiver.metrics.count(.ok) == 2)
    }

    @Test func aHandlerThatFailsWithoutSuspendingIsAnsweredAfterTheErrorObservers() async throws {
        var receiver = Fixture.receiver()
        let runs = Recorder<String>()
        let observed = Recorder<String>()
        receiver.on("connection.connected", name: "flaky") { delivery in
            runs.append(delivery.id)
            if runs.count == 1 { throw HandlerFailedOnce() }
        }
        receiver.onError { delivery, failure in observed.append("\(delivery.id) \(failure.handlerName)") }

        // It threw at once: not answered on the loop, since onError is async.
        var first = Fixture.post(Fixture.envelope(id: "evt_fail_now"))
        #expect(receiver.respondImmediately(to: &first) == nil)
        #expect(runs.count == 1)
        #expect(observed.all.isEmpty, "observers run in respond(to:), before the 503")
        let failed = try await receiver.respond(to: first)
        #expect(failed.status == .serviceUnavailable)
        #expect(runs.count == 1, "the handler is not run again for the same request")
        #expect(observed.all == ["evt_fail_now flaky"])
        #expect(!receiver.dedupe.contains("evt_fail_now"), "a failure is not remembered")
        #expect(receiver.metrics.count(.handlerFailed) == 1)

        // The sender's retry succeeds on the loop.
        var retry = Fixture.post(Fixture.envelope(id: "evt_fail_now"))
        #expect(try #require(receiver.respondImmediately(to: &retry)).status == .ok)
        #expect(runs.count == 2)
        #expect(receiver.dedupe.contains("evt_fail_now"))
    }

    private struct HandlerFailedOnce: Error {}

    /// An async call that completes without suspending.
    private nonisolated static func returnsWithoutSuspending() async {}

    @Test func concurrentDuplicatesRunTheHandlersOnce() async throws {
        var receiver = Fixture.receiver()
        let runs = Recorder<String>()
        receiver.onAny { delivery in
            runs.append(delivery.id)
            try await Task.sleep(for: .milliseconds(50))
        }
        let body = Fixture.envelope(id: "evt_burst")
        let ready = receiver
        let statuses = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for _ in 0..<32 {
                group.addTask {
                    let response = try await ready.respond(to: Fixture.post(body))
                    return (response.status.code, response.json["duplicate"] == true)
                }
            }
            var all: [(Int, Bool)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(runs.count == 1)
        #expect(statuses.allSatisfy { $0.0 == 200 })
        #expect(statuses.filter { $0.1 }.count == 31)
    }

    @Test func concurrentDuplicateRunsAgainWhenTheFirstFails() async throws {
        var receiver = Fixture.receiver()
        let runs = Recorder<Int>()
        let gate = Recorder<Int>()
        receiver.onAny { _ in
            runs.append(1)
            if runs.count == 1 {
                // Hold the first run until the duplicate is waiting, then fail.
                _ = await waitUntil { gate.count == 1 }
                throw TestFailure("first attempt fails")
            }
        }
        let body = Fixture.envelope(id: "evt_race")
        let ready = receiver
        let first = Task { try await ready.respond(to: Fixture.post(body)) }
        #expect(await waitUntil { runs.count == 1 })
        let second = Task { try await ready.respond(to: Fixture.post(body)) }
        #expect(await waitUntil { ready.dedupe.waiterCount("evt_race") == 1 })
        gate.append(1)
        #expect(try await first.value.status == .serviceUnavailable)
        let secondResponse = try await second.value
        #expect(secondResponse.status == .ok)
        #expect(secondResponse.json["duplicate"] == nil)
        #expect(runs.count == 2)
    }

    // MARK: Provider deliveries

    @Test func telegramProviderDeliveryIsDedupedByUpdateId() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.on("provider.telegram") { seen.append($0) }
        let body = Array(#"{"update_id":123456,"message":{"message_id":1,"text":"hi","chat":{"id":42}}}"#.utf8)
        let headers = [("X-Vendo-Provider", "Telegram"), ("X-Vendo-Connection-Id", "conn_7")]
        let response = try await receiver.respond(to: Fixture.post(body, extra: headers))
        #expect(response.status == .ok)
        #expect(response.json["id"] == "telegram:conn_7:123456")
        let delivery = try #require(seen.all.first)
        #expect(delivery.type == "provider.telegram")
        #expect(delivery.provider == "telegram")
        #expect(delivery.connectionID == "conn_7")
        #expect(delivery.dedupeKey == "telegram:conn_7:123456")
        #expect(!delivery.isEnvelope)
        #expect(delivery.rawBody == body)
        #expect(delivery.data["update_id"] == 123456)
        #expect(delivery.data["message"]?["text"] == "hi")
        #expect(delivery.headers["X-Vendo-Connection-Id"] == "conn_7")

        // The hooks worker retries with a fresh timestamp, so a new signature: still a duplicate.
        let retry = try await receiver.respond(to: Fixture.post(body, date: Date().addingTimeInterval(5), extra: headers))
        #expect(retry.json["duplicate"] == true)
        #expect(seen.count == 1)
        // Another connection's update 123456 is a different update.
        let other = try await receiver.respond(to: Fixture.post(body, extra: [("X-Vendo-Provider", "telegram"), ("X-Vendo-Connection-Id", "conn_8")]))
        #expect(other.json["duplicate"] == nil)
        #expect(seen.count == 2)
    }

    @Test func otherProviderBodiesAreDedupedBySignature() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.on("provider.*") { seen.append($0) }
        let body = Array(#"{"event":"push","ref":"main","occurred_at":"2026-05-07T10:00:00Z"}"#.utf8)
        let request = Fixture.post(body, extra: [("X-Vendo-Provider", "github")])
        let signature = request.headers["Vendo-Signature"]!
        #expect(try await receiver.respond(to: request).status == .ok)
        let delivery = try #require(seen.all.first)
        #expect(delivery.type == "provider.github")
        #expect(delivery.dedupeKey == "github:sig:\(signature)")
        #expect(delivery.id == delivery.dedupeKey)
        #expect(delivery.connectionID == nil)
        #expect(delivery.occurredAt == "", "a provider body's own occurred_at is not the envelope's")
        #expect(delivery.data == delivery.payload && delivery.data["ref"] == "main")
        // The very same signed request again (a replay): duplicate.
        #expect(try await receiver.respond(to: request).json["duplicate"] == true)
        #expect(seen.count == 1)
    }

    @Test func nonEnvelopeWithoutProviderIsProviderUnknown() async throws {
        var receiver = Fixture.receiver()
        let types = Recorder<String>()
        receiver.onAny { types.append($0.type) }
        for body in [#"{"id":"","type":"t"}"#, #"{"id":"x"}"#, #"[1,2]"#, #"{"id":1,"type":"t"}"#] {
            #expect(try await receiver.respond(to: Fixture.post(Array(body.utf8))).status == .ok, "\(body)")
        }
        #expect(types.all == Array(repeating: "provider.unknown", count: 4))
    }

    @Test(arguments: [
        // Object-looking bodies (the SDK's verify) and everything else (verifySignature + parse).
        "{", "{\"id\":\"a\",\"type\":\"t\"", "{\"a\":1,}", "{\"a\":1}x", "{} {}", "{\"a\":NaN}",
        "[1,]", "01", "tru", "\"ctl\u{01}\"", "\"\\ud800\"", "", "   ",
        String(repeating: "[", count: 257) + String(repeating: "]", count: 257),
        "{\"a\":" + String(repeating: "[", count: 256) + String(repeating: "]", count: 256) + "}",
    ])
    func bodiesThatAreNotStrictJSONAre400(_ text: String) async throws {
        var receiver = Fixture.receiver()
        let runs = Recorder<String>()
        receiver.onAny { runs.append($0.type) }
        let response = try await receiver.respond(to: Fixture.post(Array(text.utf8)))
        #expect(response.status == .badRequest)
        #expect(response.json["error"]?["message"]?.stringValue?.contains("not valid JSON") == true)
        #expect(runs.count == 0)
        // Invalid UTF-8 inside a string, on both paths.
        for bytes: [UInt8] in [[0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], [0x22, 0xC3, 0x28, 0x22]] {
            #expect(try await receiver.respond(to: Fixture.post(bytes)).status == .badRequest)
        }
    }

    @Test func deepButAllowedNestingAndWhitespaceAreAccepted() async throws {
        var receiver = Fixture.receiver()
        let seen = Recorder<WebhookDelivery>()
        receiver.onAny { seen.append($0) }
        let deep = String(repeating: "[", count: 254) + String(repeating: "]", count: 254)  // 256 levels with the two objects
        let body = " \n{\"id\":\"evt_deep\",\"type\":\"deep.one\",\"data\":{\"n\":\(deep),\"u\":\"caf\\u00e9\"}} "
        #expect(try await receiver.respond(to: Fixture.post(Array(body.utf8))).status == .ok)
        let scalar = " 12.5e1 "
        #expect(try await receiver.respond(to: Fixture.post(Array(scalar.utf8))).status == .ok)
        let (envelope, provider) = (seen.all[0], seen.all[1])
        #expect(envelope.isEnvelope && envelope.type == "deep.one" && envelope.id == "evt_deep")
        #expect(envelope.occurredAt == "")
        #expect(envelope.data["u"] == "café")
        #expect(envelope.payload["id"] == "evt_deep")
        #expect(!provider.isEnvelope && provider.type == "provider.unknown")
        #expect(provider.payload == .double(125) && provider.data == .double(125))
    }

    // MARK: Logging

    @Test func logsCarryMetadataButNeverBodiesOrSecrets() async throws {
        let (logger, store) = MemoryLogHandler.logger()
        var receiver = Fixture.receiver(logger: logger)
        receiver.on("fail.me") { _ in throw TestFailure("nope") }
        let secretData = "SENSITIVE-PAYLOAD-\(UUID().uuidString)"
        _ = try await receiver.respond(to: Fixture.post(Fixture.envelope(id: "evt_log", type: "ok.type", data: "\"\(secretData)\"")))
        _ = try await receiver.respond(to: Fixture.post(Fixture.envelope(id: "evt_log2", type: "fail.me", data: "\"\(secretData)\"")))
        _ = try await receiver.respond(to: Fixture.post(Fixture.envelope(), secret: "wrong"))
        let lines = store.all
        #expect(lines.contains { $0.contains("webhook.event_id=evt_log ") && $0.contains("webhook.outcome=ok") && $0.contains("webhook.event_type=ok.type") })
        #expect(lines.contains { $0.contains("webhook.event_id=evt_log2") && $0.contains("webhook.outcome=handler_failed") })
        #expect(lines.contains { $0.contains("webhook.outcome=invalid") })
        #expect(!lines.contains { $0.contains(secretData) })
        #expect(!lines.contains { $0.contains(Fixture.secret) })
        #expect(!lines.contains { $0.hasPrefix("warning") || $0.hasPrefix("error") || $0.hasPrefix("critical") })
    }

    // MARK: Dispatch without HTTP

    @Test func dispatchReportsFailures() async throws {
        var receiver = Fixture.receiver()
        receiver.on("a", name: "thrower") { _ in throw TestFailure("x") }
        let delivery = WebhookDelivery(id: "d1", type: "a", rawBody: Array(#"{"id":"d1","type":"a"}"#.utf8))
        guard case .failed(let failures) = await receiver.dispatch(delivery) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failures.map(\.handlerName) == ["thrower"])
        #expect(failures.first?.description.contains("thrower") == true)
    }
}

/// An error for handlers in tests.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
