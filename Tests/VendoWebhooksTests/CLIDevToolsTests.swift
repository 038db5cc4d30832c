import Foundation
import Testing
import Vendo

/// `sign` and `verify` on the real binary, checked against an HMAC computed here.
@Suite("CLI: sign and verify")
struct CLIDevToolsTests {
    let body = Array(#"{"id":"evt_42","type":"connection.connected","occurred_at":"2026-05-07T12:00:00Z","data":{"slug":"github"}}"#.utf8)

    private func headerLines(_ output: String) -> [String: String] {
        var headers: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }

    @Test func signPrintsVendosHeadersForStandardInput() async throws {
        let result = try await runCLI(["sign", "--secret", "whsec_test", "--timestamp", "1767225600"], stdin: body)
        #expect(result.status == 0, "\(result.stderr)")
        let expected = try TestSigner(secret: "whsec_test").headers(for: body, timestamp: "1767225600")
        #expect(result.stdout == "Vendo-Signature: \(expected[1].1)\nVendo-Timestamp: 1767225600\n")
    }

    @Test func signUsesTheBodyFileByteForByte() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("body.json")
        let withNewline = body + [10]
        try Data(withNewline).write(to: file)
        let result = try await runCLI(["sign", "--secret", "k", "--timestamp", "100", "--body-file", file.path])
        let signature = headerLines(result.stdout)["Vendo-Signature"]
        #expect(signature == (try TestSigner(secret: "k").headers(for: withNewline, timestamp: "100")[1].1),
                "the trailing newline is part of the signed body")
        #expect(signature != (try TestSigner(secret: "k").headers(for: body, timestamp: "100")[1].1))
    }

    @Test func signDefaultsToNowInUnixSeconds() async throws {
        let before = Int(Date().timeIntervalSince1970)
        let result = try await runCLI(["sign", "--secret", "k"], stdin: body)
        let after = Int(Date().timeIntervalSince1970)
        let timestamp = try #require(headerLines(result.stdout)["Vendo-Timestamp"].flatMap { Int($0) })
        #expect((before...after).contains(timestamp))
    }

    @Test func signFormatsJSONAndCurl() async throws {
        let json = try await runCLI(["sign", "--secret", "k", "--timestamp", "5", "--format", "json"], stdin: body)
        let parsed = try JSONDecoder().decode([String: String].self, from: Data(json.stdout.utf8))
        #expect(parsed["Vendo-Timestamp"] == "5")
        #expect(parsed["Vendo-Signature"] == (try TestSigner(secret: "k").headers(for: body, timestamp: "5")[1].1))

        let curl = try await runCLI(["sign", "--secret", "k", "--timestamp", "5", "--format", "curl",
                                     "--url", "http://127.0.0.1:9999/in"], stdin: Array("it's".utf8))
        #expect(curl.stdout.hasPrefix("curl -sS -X POST http://127.0.0.1:9999/in -H 'Content-Type: application/json'"))
        #expect(curl.stdout.contains("-H 'Vendo-Timestamp: 5'"))
        #expect(curl.stdout.contains(#"--data-binary 'it'\''s'"#), "the body is shell-quoted: \(curl.stdout)")
    }

    @Test func signSecretPrecedenceIsFlagThenFileThenEnvironment() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secret")
        try Data("from_file\n".utf8).write(to: file)
        func signature(_ arguments: [String], env: [String: String]) async throws -> String? {
            let result = try await runCLI(["sign", "--timestamp", "1"] + arguments, environment: env, stdin: body)
            #expect(result.status == 0, "\(result.stderr)")
            return headerLines(result.stdout)["Vendo-Signature"]
        }
        func expected(_ secret: String) throws -> String { try TestSigner(secret: secret).headers(for: body, timestamp: "1")[1].1 }
        let env = ["VENDO_WEBHOOK_SECRET": "from_env,second"]
        #expect(try await signature(["--secret", "from_flag", "--secret-file", file.path], env: env) == (try expected("from_flag")))
        #expect(try await signature(["--secret-file", file.path], env: env) == (try expected("from_file")))
        #expect(try await signature([], env: env) == (try expected("from_env")), "the first secret of a rotation list signs")
        #expect(try await signature([], env: ["VENDO_WEBHOOK_SECRET_FILE": file.path]) == (try expected("from_file")))
    }

    @Test func signWithoutASecretSaysHowToGiveOne() async throws {
        let result = try await runCLI(["sign"], stdin: body)
        #expect(result.status == 64)
        #expect(result.stderr.contains("no secret: pass --secret"), "\(result.stderr)")
    }

    @Test func verifyPrintsTheEventOfAGoodDelivery() async throws {
        let headers = try TestSigner(secret: "whsec_new").headers(for: body, timestamp: "1767225600")
        let result = try await runCLI([
            "verify", "--secret", "whsec_old,whsec_new", "--signature", headers[1].1, "--timestamp", "1767225600",
            "--now", "1767225650",
        ], stdin: body)
        #expect(result.status == 0, "\(result.stderr)")
        let event = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        #expect(event == ["id": "evt_42", "type": "connection.connected", "occurred_at": "2026-05-07T12:00:00Z",
                          "data": ["slug": "github"]])
    }

    @Test func verifyTakesPastedHeaderLinesAndABodyFile() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("captured.json")
        try Data(body).write(to: file)
        let headers = try TestSigner(secret: "s").headers(for: body, timestamp: "2026-01-01T00:00:00Z")
        let result = try await runCLI([
            "verify", "--header", "vendo-signature:   \(headers[1].1)", "--header", "VENDO-TIMESTAMP: 2026-01-01T00:00:00Z",
            "--body-file", file.path, "--now", "1767225700",
        ], environment: ["VENDO_WEBHOOK_SECRET": "s"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""id" : "evt_42""#))
    }

    @Test(arguments: [
        (["--now", "1767226000"], "too old"),                       // 400 s after signing, max age 300
        (["--now", "1767225000"], "in the future"),
        (["--now", "1767226000", "--max-age", "500"], ""),          // a larger window accepts it
    ])
    func verifyChecksTheTimestampAsOfNow(extra: [String], failure: String) async throws {
        let headers = try TestSigner(secret: "s").headers(for: body, timestamp: "1767225600")
        let result = try await runCLI(["verify", "--secret", "s", "--signature", headers[1].1, "--timestamp", "1767225600"] + extra,
                                      stdin: body)
        if failure.isEmpty {
            #expect(result.status == 0, "\(result.stderr)")
        } else {
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.lowercased().contains(failure), "\(result.stderr)")
        }
    }

    @Test func verifyRejectsTamperingWithAReason() async throws {
        let signature = try TestSigner(secret: "s").headers(for: body, timestamp: "100")[1].1
        func check(_ arguments: [String], body: [UInt8], mentions: String) async throws {
            let result = try await runCLI(["verify", "--secret", "s", "--now", "100"] + arguments, stdin: body)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("invalid: "), "\(result.stderr)")
            #expect(result.stderr.contains(mentions), "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains(signature) || arguments.contains(signature + "00"),
                    "never prints the expected signature")
        }
        try await check(["--signature", signature, "--timestamp", "100"], body: body + [32], mentions: "Vendo-Signature")
        try await check(["--signature", "sha256=" + signature, "--timestamp", "100"], body: body, mentions: "sha256=")
        try await check(["--signature", signature + "00", "--timestamp", "100"], body: body, mentions: "Vendo-Signature")
        try await check(["--timestamp", "100"], body: body, mentions: "Vendo-Signature")
        try await check(["--signature", signature], body: body, mentions: "Vendo-Timestamp")
        try await check(["--signature", signature, "--timestamp", "yesterday"], body: body, mentions: "Vendo-Timestamp")
        let wrongSecret = try await runCLI(["verify", "--secret", "other", "--now", "100", "--signature", signature,
                                            "--timestamp", "100"], stdin: body)
        #expect(wrongSecret.status == 1)
    }

    @Test func verifyRejectsAMalformedHeaderLine() async throws {
        let result = try await runCLI(["verify", "--secret", "s", "--header", "no colon here"], stdin: body)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--header 'no colon here' is not 'Name: value'"), "\(result.stderr)")
    }

    @Test func signThenVerifyRoundTripsThroughTheBinary() async throws {
        let signed = try await runCLI(["sign", "--secret", "whsec_rt", "--timestamp", "2026-05-07T12:00:00Z"], stdin: body)
        let headers = headerLines(signed.stdout)
        let verified = try await runCLI([
            "verify", "--secret", "whsec_rt", "--header", "Vendo-Signature: \(headers["Vendo-Signature"] ?? "")",
            "--header", "Vendo-Timestamp: \(headers["Vendo-Timestamp"] ?? "")", "--now", "1778155260",
        ], stdin: body)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains(#""type" : "connection.connected""#))
    }
}
