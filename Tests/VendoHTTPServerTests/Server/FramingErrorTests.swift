import Testing
@testable import VendoHTTPServer

/// The connection's side of the hardening checklist: whatever the parser
/// refuses gets exactly one response with `Connection: close`, then the
/// connection closes and nothing after the bad bytes is ever answered.
@Suite struct FramingErrorTests {
    static let cases: [(String, Int)] = [
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\nHost: x\n\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
        ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 17_000) + "\r\n\r\n", 431),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}", 400),
    ]

    @Test(arguments: cases)
    func oneErrorResponseThenClose(raw: String, status: Int) async throws {
        let answered = Recorder<String>()
        try await withServer(responder: ClosureResponder { request in
            answered.append(request.target)
            return .text("ok")
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            // A valid request after the bad bytes must never be answered.
            try await client.send(raw + "GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == status)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
            #expect(await client.unreadBytes().isEmpty, "exactly one response")
            #expect(!answered.all.contains("/after"))
        }
    }

    @Test func everyByteInAHeaderNameOverASocket() async throws {
        try await withServer(responder: ClosureResponder { _ in .text("ok") }) { server in
            for byte in UInt8(0)...UInt8(255) {
                var raw = Array("GET / HTTP/1.1\r\nHost: x\r\nX-".utf8)
                raw.append(byte)
                raw += Array("Z: v\r\n\r\n".utf8)
                let client = try await RawClient.connect(port: server.port)
                try await client.send(raw)
                let response = try await client.readResponse()
                // ':' ends the name early ("X-" with value "Z: v"), which is fine.
                let acceptable = ASCII.isTokenChar(byte) || byte == UInt8(ascii: ":")
                #expect(response.status == (acceptable ? 200 : 400), "byte \(byte)")
            }
        }
    }

    @Test func everyByteInAHeaderValueOverASocket() async throws {
        try await withServer(responder: ClosureResponder { _ in .text("ok") }) { server in
            let client = try await RawClient.connect(port: server.port)
            var current = client
            for byte in UInt8(0)...UInt8(255) {
                var raw = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Value: a".utf8)
                raw.append(byte)
                raw += Array("b\r\n\r\n".utf8)
                try await current.send(raw)
                let response = try await current.readResponse()
                let acceptable = byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
                #expect(response.status == (acceptable ? 200 : 400), "byte \(byte)")
                if !acceptable {
                    #expect(try await current.waitForClose())
                    current = try await RawClient.connect(port: server.port)
                }
            }
        }
    }
}
