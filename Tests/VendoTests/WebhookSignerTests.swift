import Foundation
import Testing

@testable import Vendo
@testable import VendoCore

@Suite("WebhookSigner")
struct WebhookSignerTests {
    typealias F = WebhookFixture

    @Test("sign gives both headers; the signature is lowercase hex HMAC of \"<timestamp>.<body>\"")
    func headers() throws {
        let signer = try WebhookSigner(secret: "Jefe")
        let headers = try signer.sign(body: "body", timestampText: "what do ya want for nothing?")
        #expect(headers.count == 2)
        #expect(headers["Vendo-Timestamp"] == "what do ya want for nothing?")
        let expected = WebhookSigner.hex(try HMACSHA256(key: "Jefe").authenticationCode(for: "what do ya want for nothing?.body"))
        #expect(headers["Vendo-Signature"] == expected)
        #expect(expected.count == 64 && expected == expected.lowercased())
    }

    @Test("matches Python's hmac (independent implementation, real child process)")
    func matchesPython() async throws {
        try #require(await PythonHMAC.isAvailable, "python3 is needed for the independent cross-check")
        let body = "{\"a\":\"ü\"}\n"
        let signature = try WebhookSigner(secret: F.secret).signature(body: body, timestampText: "1716240000")
        let python = await PythonHMAC.run(key: Array(F.secret.utf8), message: Array("1716240000.\(body)".utf8))
        #expect(signature == python)
    }

    @Test("timestamps default to unix seconds of now; RFC 3339 on request")
    func timestampFormats() throws {
        let signer = try WebhookSigner(secret: F.secret)
        let before = Int(Date().timeIntervalSince1970)
        let now = try signer.sign(body: F.body)
        let after = Int(Date().timeIntervalSince1970)
        let stamp = try #require(Int(now["Vendo-Timestamp"]!))
        #expect((before...after).contains(stamp))
        let rfc = try signer.sign(body: F.body, timestamp: F.now, format: .rfc3339)
        #expect(rfc["Vendo-Timestamp"] == "2024-05-20T21:20:00Z")
        #expect(try F.api().verify(headers: rfc, body: F.body).id == "evt_1")
        let epoch = try signer.sign(body: Array(F.body.utf8), timestamp: F.now)
        #expect(epoch["Vendo-Timestamp"] == F.nowText)
        #expect(try F.api().verify(headers: epoch, body: F.body).id == "evt_1")
    }

    @Test("String and byte bodies sign the same bytes")
    func bodyShapes() throws {
        let signer = try WebhookSigner(secret: F.secret)
        let fromString = try signer.signature(body: F.body, timestampText: "1")
        #expect(try signer.signature(body: Array(F.body.utf8), timestampText: "1") == fromString)
        #expect(try signer.signature(body: Data(F.body.utf8), timestampText: "1") == fromString)
        #expect(try signer.sign(body: Data(F.body.utf8), timestampText: "1")["Vendo-Signature"] == fromString)
        #expect(try signer.signature(body: F.body, timestampText: "2") != fromString)
    }

    @Test("an empty secret is refused")
    func emptySecret() {
        #expect(F.validationMessage { _ = try WebhookSigner(secret: "") }.contains("non-empty secret"))
    }
}
