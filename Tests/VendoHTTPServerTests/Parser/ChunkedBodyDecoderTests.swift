import Testing
import VendoHTTPServer

/// Rows 7 to 10 and 20 (chunked) of the hardening checklist.
@Suite("Chunked bodies")
struct ChunkedBodyDecoderTests {
    static func chunked(_ body: String, extraHeaders: String = "") -> String {
        "POST /in HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\(extraHeaders)\r\n\(body)"
    }

    @Test func chunksAreDecodedAcrossEverySplit() {
        let outcome = parseEverySplit(Self.chunked("5\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n000\r\n\r\n"))
        #expect(outcome.error == nil)
        #expect(outcome.bodies == [Array("hello 0123456789".utf8)])
        #expect(outcome.events.last == .end)
    }

    @Test func upperAndLowerCaseHexSizes() {
        let body = String(repeating: "x", count: 0xAb)
        let outcome = parseEverySplit(Self.chunked("aB\r\n\(body)\r\n0\r\n\r\n"))
        #expect(outcome.bodies == [Array(body.utf8)])
    }

    @Test func extensionsAreValidatedAndIgnored() {
        let body =
            "5;name\r\nhello\r\n"
            + "6 ; a=b ;c = \"quoted \\\" value; with \\\\ escapes\"\r\n world\r\n"
            + "1;x=\"\u{80}obs\"\r\n!\r\n"
            + "0;last=yes\r\n\r\n"
        let outcome = parseEverySplit(Self.chunked(body))
        #expect(outcome.error == nil, "\(outcome)")
        #expect(outcome.bodies == [Array("hello world!".utf8)])
    }

    @Test(arguments: [
        "5;\r\nhello\r\n0\r\n\r\n",  // no extension name
        "5;=v\r\nhello\r\n0\r\n\r\n",
        "5;a=\r\nhello\r\n0\r\n\r\n",  // no value after =
        "5;a=\"open\r\nhello\r\n0\r\n\r\n",  // unbalanced quote
        "5;a=\"x\"y\r\nhello\r\n0\r\n\r\n",
        "5;a b\r\nhello\r\n0\r\n\r\n",
        "5;a=b c\r\nhello\r\n0\r\n\r\n",
        "5;a\u{01}\r\nhello\r\n0\r\n\r\n",  // CTL
        "5;a=\"\u{01}\"\r\nhello\r\n0\r\n\r\n",
        "5;a=\"\\\u{01}\"\r\nhello\r\n0\r\n\r\n",
        "5 erfrferferf\r\nhello\r\n0\r\n\r\n",  // no semicolon
        "5;a\rb\r\nhello\r\n0\r\n\r\n",  // bare CR
    ])
    func malformedExtensionsAre400(body: String) {
        expectRejected(Self.chunked(body), 400, afterHead: true)
    }

    @Test func extensionBytesAreCapped() {
        let limits = HTTPParserLimits(maxChunkExtensionBytes: 20)
        // ";a=0123456789abcdef" is 19 bytes; twice is over the 20 per body.
        let ext = ";a=0123456789abcdef"
        expectAccepted(Self.chunked("1\(ext)\r\nx\r\n0\r\n\r\n"), limits: limits)
        expectRejected(Self.chunked("1\(ext)\r\nx\r\n0\(ext)\r\n\r\n"), 400, afterHead: true, limits: limits)
        expectRejected(Self.chunked("1\(ext)0123\r\nx\r\n0\r\n\r\n"), 400, afterHead: true, limits: limits)
        // An endless extension is refused without waiting for its end (default 4 KiB).
        var parser = HTTPRequestParser()
        parser.append(Array(Self.chunked("1;a=").utf8))
        parser.append([UInt8](repeating: UInt8(ascii: "b"), count: 5000))
        #expect(drainError(&parser)?.status == .badRequest)
    }

    @Test(arguments: [
        "ffffffffffffffffff\r\n",  // 72 bits
        "10000000000000000\r\n",  // 2^64
        "8000000000000000\r\n",  // Int.max + 1
    ])
    func chunkSizeOverflowIs400(line: String) {
        expectRejected(Self.chunked(line), 400, afterHead: true)
    }

    @Test(arguments: [
        "0x5\r\nhello\r\n0\r\n\r\n",
        "+5\r\nhello\r\n0\r\n\r\n",
        "-5\r\nhello\r\n0\r\n\r\n",
        " 5\r\nhello\r\n0\r\n\r\n",
        "5 \r\nhello\r\n0\r\n\r\n",  // trailing space, no extension
        "\t5\r\nhello\r\n0\r\n\r\n",
        "5\t\r\nhello\r\n0\r\n\r\n",
        "5 5\r\nhello\r\n0\r\n\r\n",
        "g\r\nhello\r\n0\r\n\r\n",
        "\r\nhello\r\n0\r\n\r\n",  // empty size line
        "5\nhello\r\n0\r\n\r\n",  // LF only after the size
        "5\rhello\r\n0\r\n\r\n",  // CR only after the size
        "5\r\r\nhello\r\n0\r\n\r\n",
    ])
    func malformedChunkSizeIs400(body: String) {
        expectRejected(Self.chunked(body), 400, afterHead: true)
    }

    @Test(arguments: [
        "5\r\nhelloX\r\n0\r\n\r\n",  // data longer than its size
        "5\r\nhello\n0\r\n\r\n",  // LF only after data
        "5\r\nhello\r0\r\n\r\n",  // CR only after data
        "5\r\nhello0\r\n\r\n",  // no CRLF at all after data
        "5\r\nhell\r\n0\r\n\r\n",  // data shorter than its size: CRLF lands in data
        "3\r\nfoo\r\n\r\n",  // missing last chunk: the empty line is no chunk size
    ])
    func missingCRLFAfterDataIs400(body: String) {
        expectRejected(Self.chunked(body), 400, afterHead: true)
    }

    @Test func missingLastChunkNeedsMoreBytes() throws {
        for body in ["5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX-Trailer: 1\r\n", "5\r\nhel"] {
            let outcome = parseEverySplit(Self.chunked(body))
            #expect(outcome.error == nil)
            #expect(!outcome.events.contains(.end), "no end before the last chunk and empty line: \(body)")
        }
    }

    @Test func trailersAreParsedThenDiscarded() throws {
        let outcome = parseEverySplit(
            Self.chunked("5\r\nhello\r\n0\r\nX-Checksum: abc\r\nContent-Length: 99\r\nHost: evil\r\n"
                + "Transfer-Encoding: gzip\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(outcome.error == nil)
        let heads = outcome.heads
        #expect(heads.count == 2)
        #expect(heads.first?.framing == .chunked)
        #expect(heads.first?.headers["host"] == "h")
        #expect(heads.first?.headers.contains("x-checksum") == false)
        #expect(heads.first?.headers.contains("content-length") == false)
        #expect(outcome.bodies == [Array("hello".utf8), []])
        #expect(heads.last?.path == "/next")
    }

    @Test(arguments: [
        "X-T : 1\r\n",  // space before colon
        " X-T: 1\r\n",  // whitespace / obs-fold
        "X-T: 1\r\n folded\r\n",
        ": v\r\n",
        "X-T: a\u{00}b\r\n",
        "X-T\r\n",
        "X-T: 1\nX-U: 2\r\n",
    ])
    func malformedTrailersAre400(trailer: String) {
        expectRejected(Self.chunked("5\r\nhello\r\n0\r\n\(trailer)\r\n"), 400, afterHead: true)
    }

    @Test func trailersHaveHeaderLimits() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64, maxHeaderCount: 3)
        let three = "A: 1\r\nB: 2\r\nC: 3\r\n"
        expectAccepted(Self.chunked("1\r\nx\r\n0\r\n\(three)\r\n"), limits: limits)
        expectRejected(Self.chunked("1\r\nx\r\n0\r\n\(three)D: 4\r\n\r\n"), 431, afterHead: true, limits: limits)
        let big = "X: " + String(repeating: "v", count: 70) + "\r\n"
        expectRejected(Self.chunked("1\r\nx\r\n0\r\n\(big)\r\n"), 431, afterHead: true, limits: limits)
    }

    @Test func bodyLimitCountsDecodedChunks() {
        let limits = HTTPParserLimits(maxBodySize: 10)
        expectAccepted(Self.chunked("5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"), limits: limits)
        // The second chunk's size passes the limit: 413 before its data is read.
        let outcome = expectRejected(Self.chunked("5\r\n01234\r\n6\r\n"), 413, afterHead: true, limits: limits)
        #expect(outcome.bodies.isEmpty)
        #expect(outcome.events.contains(.body(Array("01234".utf8))))
        expectRejected(Self.chunked("b\r\n"), 413, afterHead: true, limits: limits)
        // Default 1 MiB.
        expectRejected(Self.chunked("100001\r\n"), 413, afterHead: true)
        expectRejected(Self.chunked("7fffffffffffffff\r\n"), 413, afterHead: true)
    }

    @Test func chunkedRequestsPipeline() {
        let one = Self.chunked("3\r\nabc\r\n0\r\n\r\n")
        let outcome = parseEverySplit(one + one + "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.bodies == [Array("abc".utf8), Array("abc".utf8), []])
    }
}
