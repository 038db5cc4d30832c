import Foundation
import Testing
import Vendo

/// Deliveries to the real `vendo-webhooks serve`, over HTTP, reaching real handlers.
@Suite("End to end: deliveries")
struct EndToEndDeliveryTests {
    let secret = "whsec_e2e_test"
    var signer: TestSigner { TestSigner(secret: secret) }

    @Test func aGoodDeliveryReachesTheExecHandler() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_exec_1", type: "connection.connected", data: #"{"slug":"github"}"#)
        let response = try await server.post(body, headers: try signer.headers(for: body))
        #expect(response.status == 200)
        #expect(response.json == ["ok": true, "id": "evt_exec_1"])
        #expect(recorder.runs == ["evt_exec_1 connection.connected none none"])
        #expect(recorder.body(of: "evt_exec_1") == body, "the handler gets the verified body byte for byte")
        #expect(try await server.stop() == 0)
        #expect(!server.child.stderr.text.contains(secret), "a configured secret is never logged")
    }

    @Test func aGoodDeliveryReachesTheForwardTarget() async throws {
        let target = try ForwardTarget()
        let server = try await RunningServer(["--forward", target.url], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_fwd_1", type: "billing.cap_warned", data: #"{"window":"daily","pct":80}"#)
        let response = try await server.post(body, headers: try signer.headers(for: body))
        #expect(response.status == 200, "\(response.text)")
        let received = target.received
        try #require(received.count == 1)
        #expect(received[0].path == "/target")
        #expect(received[0].body == body)
        #expect(received[0].headers["Vendo-Event-Id"] == "evt_fwd_1")
        #expect(received[0].headers["Vendo-Event-Type"] == "billing.cap_warned")
        #expect(received[0].headers["Content-Type"] == "application/json")
        #expect(received[0].headers["Vendo-Signature"] == nil, "the forwarder does not pass the signature on")
        #expect(try await server.stop() == 0)
        await target.stop()
    }

    @Test func aFailingForwardTargetGets503ThenTheRetrySucceeds() async throws {
        let target = try ForwardTarget(failFirst: 1)
        let server = try await RunningServer(["--forward", target.url], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_fwd_retry", type: "x.y")
        let first = try await server.post(body, headers: try signer.headers(for: body))
        #expect(first.status == 503)
        let second = try await server.post(body, headers: try signer.headers(for: body))
        #expect(second.status == 200)
        #expect(second.json?["duplicate"] == nil, "a failed delivery is not remembered as handled")
        #expect(target.received.count == 2)
        #expect(try await server.stop() == 0)
        await target.stop()
    }

    @Test func routesSendEachTypeToItsHandlersOnly() async throws {
        let connections = try ExecRecorder()
        let billing = try ExecRecorder()
        let everything = try ExecRecorder()
        defer { connections.remove(); billing.remove(); everything.remove() }
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("handlers.json")
        try Data(#"{"handlers": [{"on": ["billing.cap_warned", "billing.*"], "exec": ["\#(billing.script.path)"]}]}"#.utf8)
            .write(to: config)
        let server = try await RunningServer([
            "--on", "connection.*=exec:\(connections.script.path)", "--config", config.path, "--exec", everything.script.path,
        ], environment: ["VENDO_WEBHOOK_SECRET": secret])

        for (id, type) in [("evt_r1", "connection.connected"), ("evt_r2", "billing.cap_warned"), ("evt_r3", "other.thing")] {
            let body = TestSigner.envelope(id: id, type: type)
            let response = try await server.post(body, headers: try signer.headers(for: body))
            #expect(response.status == 200, "\(type): \(response.text)")
        }
        #expect(connections.runs == ["evt_r1 connection.connected none none"])
        #expect(billing.runs == ["evt_r2 billing.cap_warned none none"], "two matching patterns still run the handler once")
        #expect(everything.runs.count == 3)
        #expect(try await server.stop() == 0)
    }

    @Test func everyVerificationFailureIsA400WithJSON() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path, "--max-body", "4KiB"],
                                             environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_bad", type: "x.y")
        let now = Int(Date().timeIntervalSince1970)
        let good = try signer.headers(for: body)
        let signature = good[1].1
        let timestamp = good[2].1
        let cases: [(String, [(String, String)], [UInt8])] = [
            ("no signature", [("Vendo-Timestamp", timestamp)], body),
            ("no timestamp", [("Vendo-Signature", signature)], body),
            ("stale", try signer.headers(for: body, timestamp: String(now - 3600)), body),
            ("future", try signer.headers(for: body, timestamp: String(now + 3600)), body),
            ("unparseable timestamp", [("Vendo-Signature", signature), ("Vendo-Timestamp", "soon")], body),
            ("wrong secret", try TestSigner(secret: "whsec_other").headers(for: body), body),
            ("tampered body", good, Array(TestSigner.envelope(id: "evt_bad", type: "x.z"))),
            ("sha256= prefix", [("Vendo-Signature", "sha256=" + signature), ("Vendo-Timestamp", timestamp)], body),
            ("trailing garbage", [("Vendo-Signature", signature + "zz"), ("Vendo-Timestamp", timestamp)], body),
            ("not hex", [("Vendo-Signature", String(repeating: "g", count: 64)), ("Vendo-Timestamp", timestamp)], body),
            ("short", [("Vendo-Signature", String(signature.prefix(63))), ("Vendo-Timestamp", timestamp)], body),
            ("not JSON", try signer.headers(for: Array("not json".utf8)), Array("not json".utf8)),
        ]
        for (name, headers, sentBody) in cases {
            let response = try await server.post(sentBody, headers: headers)
            #expect(response.status == 400, "\(name): \(response.status) \(response.text)")
            #expect(response.header("Vendo-Error-Code") == "validation_failed", "\(name)")
            #expect(response.json?["error"]?["code"] == "validation_failed", "\(name): \(response.text)")
            let message = response.json?["error"]?["message"]?.stringValue ?? ""
            #expect(!message.isEmpty, "\(name): the message says which check failed")
            #expect(!response.text.contains(signature) || name == "trailing garbage" || name == "sha256= prefix",
                    "\(name): never reveals the expected signature")
        }

        let big = TestSigner.envelope(id: "evt_big", type: "x.y", data: "\"" + String(repeating: "a", count: 8192) + "\"")
        let tooLarge = try await server.post(big, headers: try signer.headers(for: big))
        #expect(tooLarge.status == 413)

        let get = try await TestHTTP.request("GET", port: server.port, path: "/webhooks/vendo")
        #expect(get.status == 405)
        #expect(get.header("Allow") == "POST")

        #expect(recorder.runs.isEmpty, "no handler runs for a rejected delivery")
        #expect(try await server.stop() == 0)
    }

    @Test func duplicatesAreAcknowledgedOnceEvenWhenConcurrent() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_dup", type: "connection.changed")
        let headers = try signer.headers(for: body)
        let responses = try await withThrowingTaskGroup(of: RawResponse.self) { group in
            for _ in 0..<6 { group.addTask { try await server.post(body, headers: headers) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(responses.allSatisfy { $0.status == 200 }, "\(responses.map(\.status))")
        #expect(responses.filter { $0.json?["duplicate"] == true }.count == 5)
        // Re-signed later (a sender's retry): still a duplicate.
        let retry = try await server.post(body, headers: try signer.headers(for: body))
        #expect(retry.json?["duplicate"] == true)
        #expect(retry.json?["ok"] == true)
        #expect(recorder.runs == ["evt_dup connection.changed none none"], "handlers ran once")
        #expect(try await server.stop() == 0)
    }

    @Test func aHandlerFailureGives503AndTheRetrySucceeds() async throws {
        // Fails the first time (no marker yet), succeeds after.
        let recorder = try ExecRecorder(prelude: """
            if [ ! -f $DIR/failed-once ]; then touch $DIR/failed-once; echo "first attempt fails" >&2; exit 3; fi
            """)
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_retry", type: "connection.connected")
        let first = try await server.post(body, headers: try signer.headers(for: body))
        #expect(first.status == 503)
        #expect(recorder.runs.isEmpty)
        let second = try await server.post(body, headers: try signer.headers(for: body))
        #expect(second.status == 200)
        #expect(second.json == ["ok": true, "id": "evt_retry"])
        #expect(recorder.runs == ["evt_retry connection.connected none none"])
        #expect(try await server.stop() == 0)
    }

    @Test func aHandlerThatOverrunsItsTimeoutGives503() async throws {
        let recorder = try ExecRecorder(prelude: "sleep 120")
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path, "--handler-timeout", "1s"],
                                             environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_slow", type: "x.y")
        let response = try await server.post(body, headers: try signer.headers(for: body))
        #expect(response.status == 503)
        #expect(recorder.runs.isEmpty)
        #expect(try await server.stop() == 0)
    }

    @Test func aProviderDeliveryReachesHandlersWithItsProvider() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--on", "*=exec:\(recorder.script.path)"], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let update = Array(#"{"update_id":987654,"message":{"text":"hi"}}"#.utf8)
        var headers = try signer.headers(for: update)
        headers += [("X-Vendo-Provider", "telegram"), ("X-Vendo-Connection-Id", "conn_tg_1")]
        let response = try await server.post(update, headers: headers)
        #expect(response.status == 200, "\(response.text)")
        let run = try #require(recorder.runs.first)
        #expect(run.hasSuffix(" telegram conn_tg_1"), "\(run)")
        #expect(run.contains("987654"), "the dedupe key of a Telegram update is its update_id: \(run)")
        #expect(try await server.stop() == 0)
    }

    @Test func theDirectTelegramPathChecksItsSecretToken() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path, "--telegram-path", "/telegram"],
                                             environment: ["VENDO_WEBHOOK_SECRET": secret, "TELEGRAM_SIGNING_SECRET": "tg_token"])
        let update = Array(#"{"update_id":5,"message":{"text":"hello"}}"#.utf8)
        let wrong = try await server.post(update, headers: [("X-Telegram-Bot-Api-Secret-Token", "nope")], path: "/telegram")
        #expect(!(200..<300).contains(wrong.status), "\(wrong.status)")
        #expect(recorder.runs.isEmpty)
        let right = try await server.post(update, headers: [("X-Telegram-Bot-Api-Secret-Token", "tg_token")], path: "/telegram")
        #expect(right.status == 200, "\(right.text)")
        #expect(recorder.runs.count == 1)
        #expect(recorder.runs.first?.contains("telegram") == true)
        #expect(try await server.stop() == 0)
    }
}
