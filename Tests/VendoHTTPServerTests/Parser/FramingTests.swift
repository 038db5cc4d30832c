import Testing
import VendoHTTPServer

/// Rows 1 to 6 and 20 (declared length) of the hardening checklist.
@Suite("Body framing: Content-Length and Transfer-Encoding")
struct FramingTests {
    static func post(_ headerLines: String, body: String = "") -> String {
        "POST /in HTTP/1.1\r\nHost: h\r\n\(headerLines)\r\n\(body)"
    }

    @Test func contentLengthAndTransferEncodingTogetherAre400() {
        expectRejected(Self.post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n"), 400)
        expectRejected(Self.post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", body: "0\r\n\r\n"), 400)
        expectRejected(Self.post("Content-Length: 1\r\nTransfer-Encoding: identity\r\n", body: "x"), 400)
        expectRejected(Self.post("Content-Length: 0\r\nTransfer-Encoding: gzip\r\n"), 400)  // 400 beats 501
    }

    @Test(arguments: [
        "chunked, gzip",  // chunked not last
        "chunked, chunked",  // twice
        "chunked,chunked",
        "chunkedchunked",
        "x-chunked",
        "chunked-x",
        "pigeons",
        "identity",  // removed from the registry by RFC 7230
        "",  // empty
        " ",
        ",",
        "chunked,",  // empty element
        ", chunked",
        "chunked;q=1",  // chunked takes no parameters
        "chunked\u{0B}",
        "\"chunked\"",
        "ch unked",
    ])
    func malformedTransferEncodingIs400(value: String) {
        expectRejected(Self.post("Transfer-Encoding: \(value)\r\n", body: "0\r\n\r\n"), 400)
    }

    @Test func repeatedTransferEncodingLinesAreOneList() {
        // RFC 9110 §5.3: the lines combine, in order, into one list.
        expectRejected(Self.post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n"), 400)
        expectRejected(Self.post("Transfer-Encoding: chunked\r\nTransfer-Encoding: deflate\r\n", body: "0\r\n\r\n"), 400)
        expectRejected(Self.post("Transfer-Encoding: x-chunked\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n"), 400)
        // Well-formed, chunked last, but with a coding we don't decode: 501, as on one line.
        expectRejected(Self.post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n"), 501)
        expectRejected(Self.post("Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n", body: "0\r\n\r\n"), 501)
        expectRejected(Self.post("Transfer-Encoding:\r\nTransfer-Encoding:\r\n", body: "0\r\n\r\n"), 400)
    }

    @Test(arguments: ["gzip", "GZIP", "deflate", "compress", "x-gzip", "x-compress", "gzip, chunked", "deflate,chunked"])
    func wellFormedUnsupportedCodingIs501(value: String) {
        expectRejected(Self.post("Transfer-Encoding: \(value)\r\n", body: "0\r\n\r\n"), 501)
    }

    @Test func chunkedIsCaseInsensitiveAndTrimmed() throws {
        for value in ["chunked", "Chunked", "CHUNKED", "  chunked  ", "\tchunked"] {
            let head = try #require(expectAccepted(Self.post("Transfer-Encoding: \(value)\r\n", body: "0\r\n\r\n")))
            #expect(head.framing == .chunked)
        }
        let lower = try #require(expectAccepted(Self.post("transfer-encoding: chunked\r\n", body: "0\r\n\r\n")))
        #expect(lower.framing == .chunked)
    }

    @Test func transferEncodingOnHTTP10Is400() {
        expectRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
        expectRejected("POST / HTTP/1.0\r\nTransfer-Encoding: gzip\r\n\r\n", 400)
    }

    @Test(arguments: [
        "+5", "-1", "-0", "0x10", "0X10", "5 5", " 5 5", "1_0", "1,0", "5, 5", "5,5", "5;", "5.0", "1e3",
        "five", "\u{0B}5", "٣", "5\u{00}",
    ])
    func malformedContentLengthIs400(value: String) {
        expectRejected(Self.post("Content-Length: \(value)\r\n", body: "hello"), 400)
    }

    @Test func emptyContentLengthIs400() {
        expectRejected(Self.post("Content-Length:\r\n"), 400)
        expectRejected(Self.post("Content-Length:   \r\n"), 400)
    }

    @Test func contentLengthOverflowIs400() {
        expectRejected(Self.post("Content-Length: 1000000000000000000000\r\n"), 400)
        expectRejected(Self.post("Content-Length: 9223372036854775808\r\n"), 400)  // Int.max + 1
        // Int.max itself is a number, just far over the body limit.
        expectRejected(Self.post("Content-Length: 9223372036854775807\r\n"), 413)
    }

    @Test func contentLengthWithLeadingZerosIsDecimal() throws {
        let outcome = parseEverySplit(Self.post("Content-Length: 005\r\n", body: "hello"))
        #expect(outcome.heads.first?.framing == .contentLength(5))
        #expect(outcome.bodies == [Array("hello".utf8)])
        let octalLooking = try #require(expectAccepted(Self.post("Content-Length: 010\r\n", body: "0123456789")))
        #expect(octalLooking.framing == .contentLength(10))
    }

    @Test func contentLengthSurroundingWhitespaceIsTrimmed() throws {
        let head = try #require(expectAccepted(Self.post("Content-Length: \t 3 \t\r\n", body: "abc")))
        #expect(head.framing == .contentLength(3))
    }

    @Test func duplicateContentLength() throws {
        // Identical repeats are allowed by RFC 9110 §8.6 and harmless.
        let same = try #require(expectAccepted(Self.post("Content-Length: 3\r\nContent-Length: 3\r\n", body: "abc")))
        #expect(same.framing == .contentLength(3))
        expectRejected(Self.post("Content-Length: 3\r\nContent-Length: 4\r\n", body: "abcd"), 400)
        expectRejected(Self.post("Content-Length: 3\r\ncontent-length: 03\r\n", body: "abc"), 400)
        expectRejected(Self.post("Content-Length: x\r\nContent-Length: x\r\n", body: "abc"), 400)
    }

    @Test func framingFaultsAreRefusedAtTheirLine() {
        // A 400 that no later line can undo is thrown without waiting for
        // the end of the head, so a client cannot hold a doomed request open.
        for raw in [
            "POST / HTTP/1.1\r\nContent-Length: 1000000000000000000000\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: x-chunked\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nHost: a\r\n",
            "POST / HTTP/1.1\r\nHost: a b\r\n",
        ] {
            let outcome = parseEverySplit(raw)
            #expect(outcome.status == 400, "\(raw): \(outcome)")
        }
        // A 501 waits: a later line may still make the request a 400.
        let unsupported = parseEverySplit("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n")
        #expect(unsupported.error == nil)
        expectRejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx", 400)
    }

    @Test func declaredLengthOverTheLimitIs413BeforeAnyBodyByte() {
        let limits = HTTPParserLimits(maxBodySize: 10)
        expectAccepted(Self.post("Content-Length: 10\r\n", body: "0123456789"), limits: limits)
        // Only the head is sent: the verdict must not wait for the body.
        let outcome = expectRejected(Self.post("Content-Length: 11\r\n"), 413, limits: limits)
        #expect(outcome.events.isEmpty)
        // The default is 1 MiB.
        expectRejected(Self.post("Content-Length: 1048577\r\n"), 413)
        var parser = HTTPRequestParser()
        parser.append(Array(Self.post("Content-Length: 1048576\r\n").utf8))
        #expect(throws: Never.self) { _ = try parser.next() }
    }

    @Test func noLengthMeansNoBody() throws {
        // Bytes after a body-less request are the next request.
        let outcome = parseEverySplit(Self.post("") + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.heads.map(\.framing) == [BodyFraming.none, .none])
        #expect(outcome.heads.map(\.path) == ["/in", "/next"])
        #expect(outcome.bodies == [[], []])
    }

    @Test func zeroLengthBodyEndsAtOnce() throws {
        let outcome = parseEverySplit(Self.post("Content-Length: 0\r\n"))
        #expect(outcome.events.count == 2)
        #expect(outcome.heads.first?.framing == .contentLength(0))
        #expect(outcome.events.last == .end)
    }

    @Test func contentLengthBodySplitAnywhere() throws {
        let body = "{\"type\":\"balance.updated\",\"data\":{\"amount\":42}}"
        let outcome = parseEverySplit(Self.post("Content-Length: \(body.utf8.count)\r\n", body: body))
        #expect(outcome.error == nil)
        #expect(outcome.bodies == [Array(body.utf8)])
    }

    @Test func bodyBytesAreStreamedAsTheyArrive() throws {
        var parser = HTTPRequestParser()
        parser.append(Array(Self.post("Content-Length: 10\r\n", body: "0123").utf8))
        guard case .head? = try parser.next() else {
            Issue.record("expected the head first")
            return
        }
        #expect(try parser.next() == .body(Array("0123".utf8)))
        #expect(try parser.next() == nil)
        parser.append(Array("456789GET".utf8))
        #expect(try parser.next() == .body(Array("456789".utf8)))
        #expect(try parser.next() == .end)
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == 3)  // "GET": the next request's start
        #expect(parser.hasStartedRequest)
    }

    @Test func binaryBodyBytesArePassedThroughUntouched() throws {
        let body = (0...255).map { UInt8($0) }
        let raw = Array(Self.post("Content-Length: 256\r\n").utf8) + body
        let outcome = parseEverySplit(raw)
        #expect(outcome.bodies == [body])
    }
}
