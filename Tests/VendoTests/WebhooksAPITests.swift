import Foundation
import Testing

@testable import Vendo

@Suite("WebhooksAPI.verify")
struct WebhooksAPITests {
    typealias F = WebhookFixture

    // MARK: Valid deliveries

    @Test("a delivery signed with unix seconds verifies and yields the event")
    func validEpoch() throws {
        let event = try F.api().verify(headers: F.headers(), body: F.body)
        #expect(event.id == "evt_1")
        #expect(event.type == "connection.connected")
        #expect(event.occurredAt == "2024-05-20T21:20:00Z")
        #expect(event.data == ["slug": "notion", "connection_id": "conn_9"])
        #expect(event.payload["id"] == "evt_1")
    }

    @Test(
        "RFC 3339 timestamps verify (Z, offsets, fractions, lowercase, space)",
        arguments: [
            "2024-05-20T21:20:00Z", "2024-05-20T23:20:00+02:00", "2024-05-20T16:50:00-04:30",
            "2024-05-20T21:20:00.123456Z", "2024-05-20T21:19:59.5+00:00", "2024-05-20t21:20:00z",
            "2024-05-20 21:20:00Z", "2024-05-20T21:20:00-00:00",
        ])
    func validRFC3339(timestamp: String) throws {
        let headers = try F.headers(timestamp: timestamp)
        let event = try F.api().verify(headers: headers, body: F.body)
        #expect(event.id == "evt_1")
        let stamp = try F.api().verifySignature(headers: headers, body: F.body)
        #expect(stamp.format == .rfc3339)
        #expect(abs(stamp.secondsSince1970 - 1_716_240_000) < 1)
        #expect(stamp.text == timestamp)
    }

    @Test("header names match in any case and values are trimmed")
    func caseInsensitiveAndTrimmed() throws {
        let signed = try F.headers()
        let headers = [
            "vendo-signature": "  \(signed["Vendo-Signature"]!)\t",
            "VENDO-TIMESTAMP": " \(F.nowText) ",
            "Content-Type": "application/json",
        ]
        #expect(try F.api().verify(headers: headers, body: F.body).id == "evt_1")
    }

    @Test("uppercase hex digits are accepted")
    func uppercaseHex() throws {
        var headers = try F.headers()
        headers["Vendo-Signature"] = headers["Vendo-Signature"]!.uppercased()
        #expect(try F.api().verify(headers: headers, body: F.body).id == "evt_1")
    }

    @Test("the signature covers the timestamp text as sent, not its value")
    func timestampTextAsSent() throws {
        let padded = "0" + F.nowText  // the same instant, other text
        let headers = try F.headers(timestamp: padded)
        #expect(try F.api().verifySignature(headers: headers, body: F.body).secondsSince1970 == 1_716_240_000)
        var swapped = headers
        swapped["Vendo-Timestamp"] = F.nowText
        let message = F.validationMessage { _ = try F.api().verify(headers: swapped, body: F.body) }
        #expect(message.contains("does not match"))
    }

    // MARK: Skew

    @Test("a timestamp exactly max age in the past or future passes")
    func skewAtLimit() throws {
        for offset in [-300, 300] {
            let stamp = String(1_716_240_000 + offset)
            #expect(try F.api().verify(headers: F.headers(timestamp: stamp), body: F.body).id == "evt_1")
        }
    }

    @Test("one second beyond max age fails, saying which way and by how much")
    func skewBeyondLimit() throws {
        let old = F.validationMessage { _ = try F.api().verify(headers: F.headers(timestamp: "1716239699"), body: F.body) }
        #expect(old.contains("too old"))
        #expect(old.contains("301 s"))
        #expect(old.contains("300 s"))
        let future = F.validationMessage { _ = try F.api().verify(headers: F.headers(timestamp: "1716240301"), body: F.body) }
        #expect(future.contains("in the future"))
        #expect(future.contains("301 s"))
    }

    @Test("fractional seconds count: 300.5 s old fails")
    func fractionalSkew() throws {
        let message = F.validationMessage {
            _ = try F.api().verify(headers: F.headers(timestamp: "2024-05-20T21:14:59.5Z"), body: F.body)
        }
        #expect(message.contains("too old"))
        #expect(message.contains("300.5 s"))
        #expect(try F.api().verify(headers: F.headers(timestamp: "2024-05-20T21:15:00.0Z"), body: F.body).id == "evt_1")
    }

    @Test("max age is configurable in the constructor and per call")
    func maxAgeConfigurable() throws {
        let headers = try F.headers(timestamp: "1716239500")  // 500 s old
        #expect(throws: VendoError.self) { try F.api().verify(headers: headers, body: F.body) }
        #expect(try F.api(maxAge: 600).verify(headers: headers, body: F.body).id == "evt_1")
        #expect(try F.api().verify(headers: headers, body: F.body, maxAgeSeconds: 600).id == "evt_1")
        // The per-call value wins in both directions.
        let tight = F.validationMessage { _ = try F.api(maxAge: 600).verify(headers: headers, body: F.body, maxAgeSeconds: 100) }
        #expect(tight.contains("too old"))
        #expect(F.api(maxAge: 42).maxAgeSeconds == 42)
        #expect(WebhooksAPI(env: [:]).maxAgeSeconds == 300)
    }

    @Test("a negative max age is a configuration error")
    func negativeMaxAge() throws {
        let message = F.validationMessage { _ = try F.api(maxAge: -1).verify(headers: F.headers(), body: F.body) }
        #expect(message.contains("maxAgeSeconds is -1"))
    }

    @Test("the injected clock decides: the same delivery passes now and fails later")
    func injectedClock() throws {
        let headers = try F.headers()
        #expect(try F.api(at: F.now.addingTimeInterval(300)).verify(headers: headers, body: F.body).id == "evt_1")
        #expect(throws: VendoError.self) {
            try F.api(at: F.now.addingTimeInterval(301)).verify(headers: headers, body: F.body)
        }
    }

    // MARK: Headers

    @Test("a missing header is named")
    func missingHeaders() throws {
        let signed = try F.headers()
        let noSignature = F.validationMessage { _ = try F.api().verify(headers: ["Vendo-Timestamp": F.nowText], body: F.body) }
        #expect(noSignature.contains("Missing Vendo-Signature header"))
        let noTimestamp = F.validationMessage {
            _ = try F.api().verify(headers: ["Vendo-Signature": signed["Vendo-Signature"]!], body: F.body)
        }
        #expect(noTimestamp.contains("Missing Vendo-Timestamp header"))
        let neither = F.validationMessage { _ = try F.api().verify(headers: ["Content-Type": "x"], body: F.body) }
        #expect(neither.contains("Missing Vendo-Signature and Vendo-Timestamp headers"))
    }

    @Test("an empty or blank header is rejected")
    func emptyHeaders() throws {
        var headers = try F.headers()
        headers["Vendo-Signature"] = "   "
        #expect(F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) } == "Vendo-Signature header is empty")
        headers = try F.headers()
        headers["Vendo-Timestamp"] = ""
        #expect(F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) } == "Vendo-Timestamp header is empty")
    }

    @Test("a header given twice is ambiguous and rejected")
    func repeatedHeader() throws {
        var headers = try F.headers()
        headers["vendo-signature"] = headers["Vendo-Signature"]
        let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
        #expect(message.contains("appears 2 times"))
        let signed = try F.headers()
        let pairs = [
            (name: "Vendo-Timestamp", value: F.nowText), (name: "Vendo-Timestamp", value: F.nowText),
            (name: "Vendo-Signature", value: signed["Vendo-Signature"]!),
        ]
        #expect(F.validationMessage { _ = try F.api().verify(headers: pairs, body: F.body) }.contains("Vendo-Timestamp header appears 2 times"))
    }

    @Test("an unparseable timestamp names both accepted forms", arguments: [
        "yesterday", "1716240000.5", "-1716240000", "+1716240000", "2024-05-20T21:20:00", "2024-05-20T21:20Z",
        "2024-13-20T21:20:00Z", "2024-02-30T21:20:00Z", "2024-05-20T24:00:00Z", "2024-05-20T21:20:00+2:00",
        "2024-05-20T21:20:00.Z", "2024-05-20T21:20:00Z junk", "1e9", "0x66", "1716240000000000000",
    ])
    func badTimestamp(text: String) throws {
        let message = F.validationMessage { _ = try F.api().verify(headers: F.headers(timestamp: text), body: F.body) }
        #expect(message.contains("is not a timestamp"))
        #expect(message.contains("unix seconds"))
        #expect(message.contains("RFC 3339"))
    }

    // MARK: Signature format

    @Test("a sha256= prefix is rejected with a hint, even with a correct digest")
    func sha256Prefix() throws {
        var headers = try F.headers()
        headers["Vendo-Signature"] = "sha256=" + headers["Vendo-Signature"]!
        let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
        #expect(message.contains("sha256="))
        #expect(message.contains("bare 64-digit"))
        headers["Vendo-Signature"] = "SHA256=" + (try F.headers())["Vendo-Signature"]!
        #expect(F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }.contains("prefix"))
    }

    @Test("trailing characters after the 64 digits are rejected (not ignored)", arguments: ["00", "x", ",v1", " 0", "\u{0}"])
    func trailingGarbage(suffix: String) throws {
        var headers = try F.headers()
        headers["Vendo-Signature"] = headers["Vendo-Signature"]! + suffix
        let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
        #expect(message.contains("expected exactly 64 hex digits"))
    }

    @Test("63 or 65 digits are rejected")
    func wrongLength() throws {
        let signature = try F.headers()["Vendo-Signature"]!
        for candidate in [String(signature.dropLast()), signature + "a"] {
            var headers = try F.headers()
            headers["Vendo-Signature"] = candidate
            let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
            #expect(message.contains("has \(candidate.count) characters"))
        }
    }

    @Test("a non-hex character is rejected with its position", arguments: ["g", "G", " ", "-", "é", "+"])
    func nonHex(character: String) throws {
        var signature = Array(try F.headers()["Vendo-Signature"]!)
        signature[10] = Character(character)
        var headers = try F.headers()
        headers["Vendo-Signature"] = String(signature)
        let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
        if character.utf8.count == 1 {
            #expect(message.contains("non-hex character at position 11"))
        } else {
            #expect(message.contains("characters; expected exactly 64"))  // a 2-byte character makes it 65 bytes
        }
    }

    @Test("the first non-hex character is the one reported, in either half of a byte", arguments: [0, 1, 10, 11, 62, 63])
    func nonHexPosition(offset: Int) throws {
        var signature = Array(try F.headers()["Vendo-Signature"]!)
        signature[offset] = "z"
        if offset + 1 < signature.count { signature[offset + 1] = "!" }  // a later bad character is not the one named
        var headers = try F.headers()
        headers["Vendo-Signature"] = String(signature)
        let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
        #expect(message.contains("non-hex character at position \(offset + 1);"), "\(message)")
    }

    @Test("a wrong secret fails without revealing the expected signature")
    func wrongSecret() throws {
        let headers = try F.headers(secret: "whsec_someone_else")
        let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
        #expect(message.contains("does not match"))
        #expect(message.contains("VENDO_WEBHOOK_SECRET"))
        let expected = try F.headers()["Vendo-Signature"]!
        #expect(!message.contains(expected))
        #expect(!message.contains(F.secret))
    }

    @Test("a signature that differs in any single digit fails (all 32 bytes are compared)")
    func everyDigitCounts() throws {
        let signature = Array(try F.headers()["Vendo-Signature"]!)
        for position in [0, 1, 31, 32, 62, 63] {
            var changed = signature
            changed[position] = changed[position] == "0" ? "1" : "0"
            var headers = try F.headers()
            headers["Vendo-Signature"] = String(changed)
            let message = F.validationMessage { _ = try F.api().verify(headers: headers, body: F.body) }
            #expect(message.contains("does not match"), "digit \(position)")
        }
    }

    @Test("a changed body or a changed timestamp fails")
    func tampered() throws {
        let headers = try F.headers()
        #expect(throws: VendoError.self) { try F.api().verify(headers: headers, body: F.body.replacingOccurrences(of: "notion", with: "notioN")) }
        var moved = headers
        moved["Vendo-Timestamp"] = "1716240001"
        #expect(throws: VendoError.self) { try F.api().verify(headers: moved, body: F.body) }
    }

    @Test("checks run in order: a stale and badly signed delivery reports the timestamp")
    func checkOrder() throws {
        var headers = try F.headers(timestamp: "1716230000")
        headers["Vendo-Signature"] = String(repeating: "0", count: 64)
        #expect(F.validationMessage { _ = try F.api().verify(headers: headers, body: "not json") }.contains("too old"))
        // No secret beats everything else.
        let none = WebhooksAPI(env: [:], clock: { F.now })
        #expect(F.validationMessage { _ = try none.verify(headers: [:], body: "x") }.contains("No webhook secret configured"))
        // Headers before timestamp parsing; timestamp before signature format.
        #expect(F.validationMessage { _ = try F.api().verify(headers: ["Vendo-Timestamp": "junk"], body: "x") }.contains("Missing Vendo-Signature"))
        #expect(F.validationMessage { _ = try F.api().verify(headers: ["Vendo-Timestamp": "junk", "Vendo-Signature": "sha256=x"], body: "x") }.contains("not a timestamp"))
        // Signature before JSON.
        #expect(F.validationMessage { _ = try F.api().verify(headers: ["Vendo-Timestamp": F.nowText, "Vendo-Signature": "zz"], body: "x") }.contains("characters"))
    }

    // MARK: Secrets

    @Test("no secret configured: verify says to set VENDO_WEBHOOK_SECRET")
    func noSecret() throws {
        for api in [
            WebhooksAPI(env: [:], clock: { F.now }),
            WebhooksAPI(secret: "  ", env: [:], clock: { F.now }),
            WebhooksAPI(env: ["VENDO_WEBHOOK_SECRET": " , ,"], clock: { F.now }),
            WebhooksAPI(secrets: [], clock: { F.now }),
            WebhooksAPI(secrets: ["", " "], clock: { F.now }),
        ] {
            #expect(!api.isConfigured)
            let message = F.validationMessage { _ = try api.verify(headers: F.headers(), body: F.body) }
            #expect(message.contains("set VENDO_WEBHOOK_SECRET"))
        }
    }

    @Test("the secret comes from VENDO_WEBHOOK_SECRET when not given, and an explicit one wins")
    func secretFromEnvironment() throws {
        let fromEnv = WebhooksAPI(env: ["VENDO_WEBHOOK_SECRET": " \(F.secret)\n"], clock: { F.now })
        #expect(try fromEnv.verify(headers: F.headers(), body: F.body).id == "evt_1")
        let explicit = WebhooksAPI(secret: F.secret, env: ["VENDO_WEBHOOK_SECRET": "other"], clock: { F.now })
        #expect(try explicit.verify(headers: F.headers(), body: F.body).id == "evt_1")
        let wrongEnv = WebhooksAPI(secret: "other", env: ["VENDO_WEBHOOK_SECRET": F.secret], clock: { F.now })
        #expect(throws: VendoError.self) { try wrongEnv.verify(headers: F.headers(), body: F.body) }
    }

    @Test("rotation: any secret of a comma-separated list verifies")
    func rotationList() throws {
        let api = WebhooksAPI(env: ["VENDO_WEBHOOK_SECRET": "whsec_old, ,whsec_new ,"], clock: { F.now })
        #expect(api.secretCount == 2)
        #expect(try api.verify(headers: F.headers(secret: "whsec_old"), body: F.body).id == "evt_1")
        #expect(try api.verify(headers: F.headers(secret: "whsec_new"), body: F.body).id == "evt_1")
        let message = F.validationMessage { _ = try api.verify(headers: F.headers(secret: "whsec_other"), body: F.body) }
        #expect(message.contains("any of the 2 configured secrets"))
        let explicit = WebhooksAPI(secret: "a,whsec_new", env: [:], clock: { F.now })
        #expect(try explicit.verify(headers: F.headers(secret: "whsec_new"), body: F.body).id == "evt_1")
    }

    @Test("rotation: any secret of an array verifies; commas inside an entry are kept")
    func rotationArray() throws {
        let api = WebhooksAPI(secrets: ["whsec_old", " whsec_new ", "with,comma"], clock: { F.now })
        #expect(api.secretCount == 3)
        for secret in ["whsec_old", "whsec_new", "with,comma"] {
            #expect(try api.verify(headers: F.headers(secret: secret), body: F.body).id == "evt_1")
        }
        #expect(throws: VendoError.self) { try api.verify(headers: F.headers(secret: "with"), body: F.body) }
    }

    // MARK: Bodies

    @Test("a correctly signed body that is not JSON fails after the signature check")
    func nonJSONBody() throws {
        let body = "update_id=1&message=hi"
        let message = F.validationMessage { _ = try F.api().verify(headers: F.headers(body: body), body: body) }
        #expect(message.contains("not valid JSON"))
        #expect(message.contains("byte 0"))
        #expect(try F.api().verifySignature(headers: F.headers(body: body), body: body).text == F.nowText)
    }

    @Test("JSON that is not an object fails and says what it is", arguments: [
        ("[1,2]", "an array"), ("\"text\"", "a string"), ("42", "a number"), ("-1.5", "a number"),
        ("true", "a Boolean"), ("null", "null"),
    ])
    func nonObjectBody(body: String, kind: String) throws {
        let message = F.validationMessage { _ = try F.api().verify(headers: F.headers(body: body), body: body) }
        #expect(message.contains("not an object (it is \(kind))"))
    }

    @Test("an invalid JSON body after a valid prefix is still rejected (the whole body is checked)")
    func invalidTail() throws {
        let body = #"{"id":"evt_1","data":{"a":[1,2,}}"#
        let message = F.validationMessage { _ = try F.api().verify(headers: F.headers(body: body), body: body) }
        #expect(message.contains("not valid JSON"))
    }

    @Test("Unicode bodies are signed and verified over their UTF-8 bytes")
    func unicodeBody() throws {
        let body = #"{"id":"évt_☃","type":"message","data":{"text":"héllo 👋🏽 — \u00e9","ja":"日本語"}}"#
        let event = try F.api().verify(headers: F.headers(body: body), body: body)
        #expect(event.id == "évt_☃")
        #expect(event.data["text"] == "héllo 👋🏽 — é")
        #expect(event.data["ja"] == "日本語")
        let nfd = body.replacingOccurrences(of: "é", with: "e\u{301}")  // canonically equal, other bytes
        #expect(throws: VendoError.self) { try F.api().verify(headers: F.headers(body: body), body: nfd) }
    }

    @Test("a trailing newline is part of the signed bytes")
    func trailingNewline() throws {
        let body = F.body + "\n"
        let headers = try F.headers(body: body)
        #expect(try F.api().verify(headers: headers, body: body).id == "evt_1")
        #expect(throws: VendoError.self) { try F.api().verify(headers: headers, body: F.body) }
        #expect(throws: VendoError.self) { try F.api().verify(headers: F.headers(), body: body) }
    }

    @Test("String, [UInt8], Data, slice and raw-buffer bodies agree")
    func bodyOverloadsAgree() throws {
        let headers = try F.headers()
        let api = F.api()
        let fromString = try api.verify(headers: headers, body: F.body)
        let bytes = Array(F.body.utf8)
        #expect(try api.verify(headers: headers, body: bytes) == fromString)
        #expect(try api.verify(headers: headers, body: Data(F.body.utf8)) == fromString)
        let padded = [0x20] + bytes + [0x20]
        let slice = padded[1..<(padded.count - 1)]
        #expect(try api.verify(headers: headers, body: slice) == fromString)
        let fromRaw = try bytes.withUnsafeBytes { raw in try api.verify(headers: headers, body: raw) }
        #expect(fromRaw == fromString)
        #expect(try api.verify(headers: headers, body: F.body.utf8.lazy.map { $0 }) == fromString)
        // And a wrong body fails through every overload.
        #expect(throws: VendoError.self) { try api.verify(headers: headers, body: Data("{}".utf8)) }
    }

    @Test("header pairs (labelled, as server header types, and unlabelled) work like a dictionary")
    func headerSequences() throws {
        let signed = try F.headers()
        let labelled: [(name: String, value: String)] = [
            (name: "content-type", value: "application/json"),
            (name: "vendo-signature", value: signed["Vendo-Signature"]!), (name: "Vendo-Timestamp", value: F.nowText),
        ]
        let unlabelled: [(String, String)] = labelled.map { ($0.name, $0.value) }
        let api = F.api()
        #expect(try api.verify(headers: labelled, body: F.body).id == "evt_1")
        #expect(try api.verify(headers: unlabelled, body: F.body).id == "evt_1")
        #expect(try api.verify(headers: labelled, body: Array(F.body.utf8)).id == "evt_1")
        #expect(try api.verify(headers: unlabelled, body: Array(F.body.utf8)).id == "evt_1")
        #expect(try api.verifySignature(headers: labelled, body: F.body).text == F.nowText)
        #expect(try api.verifySignature(headers: unlabelled, body: Array(F.body.utf8)).text == F.nowText)
        #expect(throws: VendoError.self) { try api.verify(headers: Array(labelled.dropFirst(2)), body: F.body) }
    }

    @Test("event fields default when missing or not strings; data defaults to {}")
    func eventDefaults() throws {
        for (body, id, data) in [
            ("{}", "", JSONValue.object([:])),
            (#"{"id":42,"type":null,"data":[1,2]}"#, "", JSONValue.array([1, 2])),
            (#"{"update_id":7,"message":{"text":"hi"}}"#, "", JSONValue.object([:])),
            (#"{"id":"a","id":"b","data":1,"data":{"x":true}}"#, "b", JSONValue.object(["x": true])),
        ] {
            let event = try F.api().verify(headers: F.headers(body: body), body: body)
            #expect(event.id == id)
            #expect(event.type == "")
            #expect(event.occurredAt == "")
            #expect(event.data == data)
        }
        let telegram = #"{"update_id":7,"message":{"text":"hi"}}"#
        let event = try F.api().verify(headers: F.headers(body: telegram), body: telegram)
        #expect(event.payload["update_id"] == 7)
        #expect(event.payload["message"]?["text"] == "hi")
    }

    @Test("the JSON nesting limit is configurable")
    func nestingLimit() throws {
        let body = #"{"data":{"a":{"b":[1]}}}"#  // depth 4
        var api = F.api()
        #expect(try api.verify(headers: F.headers(body: body), body: body).data["a"]?["b"] == [1])
        api.maxJSONDepth = 3
        let message = F.validationMessage { _ = try api.verify(headers: F.headers(body: body), body: body) }
        #expect(message.contains("nesting deeper than 3 levels"))
    }

    @Test("one WebhooksAPI verifies from many tasks at once")
    func concurrentVerify() async throws {
        let api = F.api()
        let headers = try F.headers()
        let failures = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var failed = 0
                    for _ in 0..<500 where (try? api.verify(headers: headers, body: F.body))?.data["slug"] != "notion" { failed += 1 }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }

    @Test("a delivery signed by Python's hmac module (independent implementation) verifies")
    func pythonSignedDelivery() async throws {
        try #require(await PythonHMAC.isAvailable, "python3 is needed for the independent cross-check")
        var generator = SeededGenerator(seed: 7)
        for round in 0..<4 {
            let filler = String((0..<Int.random(in: 0...600, using: &generator)).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &generator))) })
            let body = #"{"id":"evt_\#(round)","data":{"note":"\#(filler) ü"}}"# + (round % 2 == 0 ? "\n" : "")
            let timestamp = round < 2 ? F.nowText : "2024-05-20T21:20:00Z"
            let signature = try #require(await PythonHMAC.run(key: Array(F.secret.utf8), message: Array("\(timestamp).\(body)".utf8)))
            let event = try F.api().verify(headers: ["Vendo-Signature": signature, "Vendo-Timestamp": timestamp], body: body)
            #expect(event.id == "evt_\(round)")
        }
    }
}
