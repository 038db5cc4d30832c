import Testing

@testable import VendoWebhooks

/// The response framing, fed whole and one byte at a time.
@Suite struct OutboundResponseParserTests {
    private func parse(
        _ text: String, maxHead: Int = 1024, maxBody: Int = 1024, head: Bool = false, byteByByte: Bool, close: Bool = false
    ) throws(OutboundResponseParser.Failure) -> OutboundHTTPResponse? {
        var parser = OutboundResponseParser(maxHeadBytes: maxHead, maxBodyBytes: maxBody, isHeadRequest: head)
        let bytes = Array(text.utf8)
        if byteByByte {
            for byte in bytes where try parser.feed([byte]) { break }
        } else {
            try parser.feed(bytes)
        }
        if close { return try parser.finish() }
        return parser.response
    }

    @Test(arguments: [false, true])
    func contentLength(byteByByte: Bool) throws {
        let response = try #require(try parse(
            "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\nX-A:  spaced \t\r\nX-A: again\r\n\r\nhello+extra", byteByByte: byteByByte))
        #expect(response.status == 404)
        #expect(response.reason == "Not Found")
        #expect(response.body == Array("hello".utf8))
        #expect(response.headers.map(\.value) == ["5", "spaced", "again"])
        #expect(response.header("x-a") == "spaced")
    }

    @Test(arguments: [false, true])
    func chunkedWithExtensionsAndTrailers(byteByByte: Bool) throws {
        let response = try #require(try parse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3;name=value\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: 1\r\n\r\n",
            byteByByte: byteByByte))
        #expect(response.body == Array("abc0123456789".utf8))
    }

    @Test func noBodyForHeadRequests204And304() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head: true, byteByByte: false)?.body == [])
        #expect(try parse("HTTP/1.1 204 No Content\r\n\r\n", byteByByte: false)?.status == 204)
        #expect(try parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 3\r\n\r\n", byteByByte: false)?.status == 304)
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", byteByByte: false)?.body == [])
    }

    @Test func untilCloseNeedsTheClose() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\n\r\nabc", byteByByte: false) == nil, "not complete before the close")
        #expect(try parse("HTTP/1.1 200 OK\r\n\r\nabc", byteByByte: true, close: true)?.body == Array("abc".utf8))
        // A transfer coding other than a final chunked also runs to the close.
        #expect(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", byteByByte: false, close: true)?.body == Array("zz".utf8))
    }

    @Test func interimResponsesAreSkippedAndUpgradesRefused() throws {
        let response = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!", byteByByte: true)
        #expect(response?.status == 200)
        #expect(response?.headers.count == 1)
        #expect(throws: OutboundResponseParser.Failure.malformed("the server switched protocols (101), which was not asked for")) {
            try parse("HTTP/1.1 101 Switching Protocols\r\n\r\n", byteByByte: false)
        }
    }

    @Test(arguments: [
        "HTTP/2 200 OK", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/1.1 600 Odd", "http/1.1 200 OK", "HTTP/1.1 +20 OK",
    ])
    func badStatusLines(line: String) {
        #expect(throws: OutboundResponseParser.Failure.self) { try parse(line + "\r\n\r\n", byteByByte: false) }
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n folded: x\r\n\r\n", "obsolete line folding"),
        ("HTTP/1.1 200 OK\r\nNo colon\r\n\r\n", "has no colon"),
        ("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "is not a token"),
        ("HTTP/1.1 200 OK\r\n: x\r\n\r\n", "is not a token"),
        ("HTTP/1.1 200 OK\r\nA: x\ny\r\n\r\n", "bare CR or LF"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "is not one non-negative number"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "is not one non-negative number"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", "a chunk is not followed by CRLF"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", "is not a hex number"),
    ])
    func malformedHeadsAndBodies(text: String, reason: String) {
        #expect {
            try parse(text, byteByByte: false)
        } throws: { error in
            guard case .malformed(let message)? = error as? OutboundResponseParser.Failure else { return false }
            return message.contains(reason)
        }
    }

    @Test func limits() {
        #expect(throws: OutboundResponseParser.Failure.tooLarge("the response head is over 64 bytes")) {
            try parse("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 100), maxHead: 64, byteByByte: true)
        }
        #expect(throws: OutboundResponseParser.Failure.tooLarge("the response body is over 4 bytes")) {
            try parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", maxBody: 4, byteByByte: false)
        }
        #expect(throws: OutboundResponseParser.Failure.tooLarge("the response body is over 4 bytes")) {
            try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n", maxBody: 4, byteByByte: true)
        }
        #expect(throws: OutboundResponseParser.Failure.tooLarge("the trailers are over 64 bytes")) {
            try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + String(repeating: "t", count: 80), maxHead: 64, byteByByte: false)
        }
        #expect(throws: OutboundResponseParser.Failure.malformed("a chunk-size line is over 4096 bytes")) {
            try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 5000), byteByByte: false)
        }
        // Exactly at the limits is fine.
        #expect((try? parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", maxBody: 4, byteByByte: false))??.body.count == 4)
    }

    @Test func earlyCloseSaysWhatWasMissing() {
        #expect(throws: OutboundResponseParser.Failure.malformed("the connection closed without a response")) {
            try parse("", byteByByte: false, close: true)
        }
        #expect(throws: OutboundResponseParser.Failure.malformed("the connection closed before the end of the response head")) {
            try parse("HTTP/1.1 200 OK\r\n", byteByByte: false, close: true)
        }
        #expect(throws: OutboundResponseParser.Failure.malformed("the connection closed in the middle of the chunked body")) {
            try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", byteByByte: false, close: true)
        }
    }
}
