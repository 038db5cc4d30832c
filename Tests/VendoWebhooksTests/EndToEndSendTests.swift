import Foundation
import Testing
import Vendo

/// `vendo-webhooks send` against a real `vendo-webhooks serve`.
@Suite("End to end: send")
struct EndToEndSendTests {
    let secret = "whsec_send"

    @Test func sendDeliversASignedEnvelopeAndPrintsTheAnswer() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let result = try await runCLI(["send", "--url", server.webhookURL, "--type", "connection.connected",
                                       "--data", #"{"slug": "github"}"#, "--id", "evt_sent_1"],
                                      environment: ["VENDO_WEBHOOK_SECRET": secret])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "HTTP 200 OK", "\(result.stdout)")
        #expect(lines.count == 2 && (try? JSONDecoder().decode(JSONValue.self, from: Data(lines[1].utf8))) == ["ok": true, "id": "evt_sent_1"],
                "the response body follows the status: \(result.stdout)")
        #expect(recorder.runs == ["evt_sent_1 connection.connected none none"])
        let envelope = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(recorder.body(of: "evt_sent_1"))))
        #expect(envelope["id"] == "evt_sent_1")
        #expect(envelope["type"] == "connection.connected")
        #expect(envelope["data"] == ["slug": "github"])
        let occurredAt = try #require(envelope["occurred_at"]?.stringValue)
        #expect(occurredAt.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "RFC 3339: \(occurredAt)")

        let again = try await runCLI(["send", "--url", server.webhookURL, "--secret", secret, "--id", "evt_sent_1"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("\"duplicate\":true"), "\(again.stdout)")
        #expect(recorder.runs.count == 1)
        #expect(try await server.stop() == 0)
    }

    @Test func sendGeneratesIdsAndReadsDataFiles() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let file = recorder.file("data.json")
        try Data(#"{"window": "monthly"}"#.utf8).write(to: file)
        let server = try await RunningServer(["--exec", recorder.script.path], environment: ["VENDO_WEBHOOK_SECRET": secret])
        for _ in 0..<2 {
            let result = try await runCLI(["send", "--url", server.webhookURL, "--secret", secret,
                                           "--type", "billing.cap_tripped", "--data-file", file.path])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let runs = recorder.runs
        #expect(runs.count == 2, "fresh ids are not duplicates")
        let ids = runs.map { String($0.split(separator: " ")[0]) }
        #expect(ids.allSatisfy { $0.wholeMatch(of: /evt_[0-9a-f]{24}/) != nil }, "\(ids)")
        #expect(Set(ids).count == 2)
        #expect(try await server.stop() == 0)
    }

    @Test func sendExitsOneOnARejectionAndOnARefusedConnection() async throws {
        let server = try await RunningServer([], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let rejected = try await runCLI(["send", "--url", server.webhookURL, "--secret", "whsec_wrong"])
        #expect(rejected.status == 1)
        #expect(rejected.stdout.hasPrefix("HTTP 400"), "\(rejected.stdout)")
        #expect(rejected.stdout.contains("validation_failed"))
        let port = server.port
        #expect(try await server.stop() == 0)

        let refused = try await runCLI(["send", "--url", "http://127.0.0.1:\(port)/webhooks/vendo", "--secret", secret])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("send failed"), "\(refused.stderr)")
    }

    @Test func sendRejectsBadInputBeforeSending() async throws {
        var result = try await runCLI(["send", "--secret", "s", "--data", "{not json"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--data is not valid JSON"), "\(result.stderr)")
        result = try await runCLI(["send", "--secret", "s", "--url", "https://example.test/hooks"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("https:// is not supported"), "\(result.stderr)")
        result = try await runCLI(["send"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("no secret"), "\(result.stderr)")
    }

    @Test func sendWithABodyFileSendsItAsIsWithExtraHeaders() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let update = recorder.file("update.json")
        try Data(#"{"update_id":4242,"message":{"text":"hey"}}"#.utf8).write(to: update)
        let server = try await RunningServer(["--exec", recorder.script.path], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let result = try await runCLI(["send", "--url", server.webhookURL, "--secret", secret, "--body-file", update.path,
                                       "--header", "X-Vendo-Provider: telegram"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(recorder.runs.first?.contains("telegram") == true, "\(recorder.runs)")
        #expect(try await server.stop() == 0)
    }

    @Test func sendFindsTheLocalServerThroughTheSameVariables() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path, "--webhook-path", "/in"],
                                             environment: ["VENDO_WEBHOOK_SECRET": secret])
        let viaPort = try await runCLI(["send"], environment: [
            "VENDO_WEBHOOK_SECRET": secret, "PORT": String(server.port), "VENDO_WEBHOOKS_PATH": "/in",
        ])
        #expect(viaPort.status == 0, "\(viaPort.stdout) \(viaPort.stderr)")
        let viaURL = try await runCLI(["send", "--type", "via.url"], environment: [
            "VENDO_WEBHOOK_SECRET": secret, "VENDO_WEBHOOKS_URL": "http://127.0.0.1:\(server.port)/in",
        ])
        #expect(viaURL.status == 0, "\(viaURL.stdout) \(viaURL.stderr)")
        #expect(recorder.runs.map { $0.split(separator: " ")[1] } == ["test.ping", "via.url"])
        let badPort = try await runCLI(["send", "--secret", secret], environment: ["PORT": "http"])
        #expect(badPort.status == 64)
        #expect(badPort.stderr.contains("PORT 'http' is not a port number"), "\(badPort.stderr)")
        #expect(try await server.stop() == 0)
    }
}
