import Testing
@testable import VendoHTTPServer

@Suite("HTTPRequestParser: events")
struct HTTPRequestParserEventTests {
    @Test func simpleGetProducesHeadThenEnd() throws {
        let outcome = parse("GET /hello?name=world HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.events.count == 2)
        let head = try #require(outcome.heads.first)
        #expect(head.method == .get)
        #expect(head.target == "/hello?name=world")
        #expect(head.path == "/hello")
        #expect(head.query == "name=world")
        #expect(head.version == .http1_1)
        #expect(head.headers["host"] == "example.com")
        #expect(head.headers.count == 2)
        #expect(head.authority == "example.com")
        #expect(head.keepAlive)
        #expect(!head.expectsContinue)
        #expect(head.framing == .none)
        #expect(outcome.events.last == .end)
    }

    @Test func contentLengthBodyIsDelivered() throws {
        let outcome = parse("POST /hook HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
        #expect(outcome.error == nil)
        #expect(outcome.heads.first?.framing == .contentLength(5))
        #expect(outcome.bodies == [Array("hello".utf8)])
    }

    @Test func chunkedBodyIsDecoded() throws {
        let outcome = parse(
            "POST /hook HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.heads.first?.framing == .chunked)
        #expect(outcome.bodies == [Array("hello world".utf8)])
    }

    @Test func incompleteInputNeedsMoreBytes() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.hasStartedRequest)
        #expect(!parser.isIdle)
    }
}

@Suite("HTTPRequestParser: pipelining and state")
struct HTTPRequestParserStateTests {
    static let pipelined =
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        + "\r\n"  // one empty line between requests is ignored
        + "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
        + "GET /d HTTP/1.0\r\n\r\n"

    @Test func pipelinedRequestsComeOutInOrderWhateverTheSplit() {
        let outcome = parseEverySplit(Self.pipelined)
        #expect(outcome.error == nil)
        #expect(outcome.heads.map(\.path) == ["/a", "/b", "/c", "/d"])
        #expect(outcome.bodies == [[], Array("abc".utf8), Array("de".utf8), []])
        // Strict alternation: head, body*, end for each request.
        var open = false
        for event in outcome.events {
            switch event {
            case .head:
                #expect(!open)
                open = true
            case .body: #expect(open)
            case .end:
                #expect(open)
                open = false
            }
        }
        #expect(!open)
    }

    @Test func leftoverBytesWaitForTheNextCall() throws {
        var parser = HTTPRequestParser()
        let first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        parser.append(Array((first + "GET /b HT").utf8))
        guard case .head(let a)? = try parser.next() else {
            Issue.record("expected a head")
            return
        }
        #expect(a.path == "/a")
        #expect(try parser.next() == .end)
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == "GET /b HT".utf8.count)
        #expect(parser.hasStartedRequest)
        #expect(!parser.isIdle)
        parser.append(Array("TP/1.1\r\nHost: h\r\n\r\n".utf8))
        guard case .head(let b)? = try parser.next() else {
            Issue.record("expected the second head")
            return
        }
        #expect(b.path == "/b")
        #expect(try parser.next() == .end)
        #expect(parser.isIdle)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func idleAndStartedFlagsFollowTheRequest() throws {
        var parser = HTTPRequestParser()
        #expect(parser.isIdle)
        #expect(!parser.hasStartedRequest)
        #expect(!parser.isReadingBody)
        parser.append(Array("\r\n".utf8))  // the tolerated empty line already starts a request
        #expect(try parser.next() == nil)
        #expect(!parser.isIdle)
        #expect(parser.hasStartedRequest)
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.hasStartedRequest)
        parser.append(Array("\r\n".utf8))
        guard case .head? = try parser.next() else {
            Issue.record("expected a head")
            return
        }
        #expect(!parser.hasStartedRequest)
        #expect(parser.isReadingBody)
        #expect(!parser.isIdle)
        parser.append([0x41])
        #expect(try parser.next() == .body([0x41]))
        #expect(try parser.next() == .end)
        #expect(parser.isIdle)
        #expect(!parser.isReadingBody)
    }

    @Test func aDeadParserKeepsThrowingAndDropsInput() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        let first = try #require(drainError(&parser))
        #expect(first.status == .badRequest)
        #expect(parser.bufferedByteCount == 0)
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(parser.bufferedByteCount == 0)
        for _ in 0..<3 {
            #expect(drainError(&parser) == first)
        }
        #expect(!parser.isIdle)
        #expect(!parser.hasStartedRequest)
    }

    @Test func errorReasonsNeverEchoRequestBytes() {
        let marker = "ZZMARKERZZ"
        let attempts = [
            "GET /\(marker)\u{01} HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: \(marker) x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\n\(marker) : v\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: h\r\nX: \(marker)\u{00}\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \(marker)\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(marker)\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: h\r\nExpect: \(marker)\r\n\r\n",
            "\(marker)\u{01} / HTTP/1.1\r\n\r\n",
        ]
        for raw in attempts {
            let outcome = parse(raw)
            let reason = outcome.error?.reason ?? ""
            #expect(!reason.isEmpty, "\(raw)")
            #expect(!reason.contains(marker), "\(reason)")
        }
    }

    @Test func bufferIsCompactedOnLongKeepAliveConnections() throws {
        // 20,000 requests through one parser, fed in odd-sized pieces: the
        // storage never holds more than about two requests' worth of bytes.
        let one = Array("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello".utf8)
        var parser = HTTPRequestParser()
        var stream: [UInt8] = []
        for _ in 0..<20 { stream += one }
        var requests = 0
        var maxBuffered = 0
        for _ in 0..<1000 {
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + 37)
                parser.append(Array(stream[offset..<end]))
                offset = end
                while let event = try parser.next() {
                    if case .end = event { requests += 1 }
                }
                maxBuffered = max(maxBuffered, parser.buffer.count)
            }
        }
        #expect(requests == 20_000)
        #expect(maxBuffered <= 2 * (one.count + 37))
        #expect(parser.isIdle)
    }

    @Test func appendAcceptsRawBufferPointers() throws {
        var parser = HTTPRequestParser()
        let bytes = Array("GET /raw HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        bytes.withUnsafeBytes { parser.append($0) }
        guard case .head(let head)? = try parser.next() else {
            Issue.record("expected a head")
            return
        }
        #expect(head.path == "/raw")
        // Empty appends are harmless.
        parser.append([])
        parser.append(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(try parser.next() == .end)
        #expect(try parser.next() == nil)
    }

    @Test func limitsAreExposed() {
        let limits = HTTPParserLimits(maxRequestLineLength: 1, maxHeaderBytes: 2, maxHeaderCount: 3, maxBodySize: 4,
            maxChunkExtensionBytes: 5)
        #expect(HTTPRequestParser(limits: limits).limits == limits)
        let defaults = HTTPParserLimits()
        #expect(defaults.maxRequestLineLength == 8192)
        #expect(defaults.maxHeaderBytes == 16384)
        #expect(defaults.maxHeaderCount == 100)
        #expect(defaults.maxBodySize == 1_048_576)
        #expect(defaults.maxChunkExtensionBytes == 4096)
    }

    // MARK: takeBufferedBody

    @Test func takeBufferedBodyTakesAWholeContentLengthBodyAndEndsTheRequest() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        guard case .head = try parser.next() else { Issue.record("expected the head"); return }
        #expect(parser.takeBufferedBody() == Array("hello".utf8))
        #expect(!parser.isReadingBody, "no .body or .end follows")
        guard case .head(let next)? = try parser.next() else { Issue.record("expected the next request's head"); return }
        #expect(next.path == "/next")
        #expect(try parser.next() == .end)
    }

    @Test func takeBufferedBodyLeavesAPartialOrChunkedBodyToTheEvents() throws {
        var partial = HTTPRequestParser()
        partial.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhel".utf8))
        _ = try partial.next()
        #expect(partial.takeBufferedBody() == nil)
        #expect(try partial.next() == .body(Array("hel".utf8)), "the bytes are still there")
        partial.append(Array("lo".utf8))
        #expect(try partial.next() == .body(Array("lo".utf8)))
        #expect(try partial.next() == .end)

        var chunked = HTTPRequestParser()
        chunked.append(Array("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n".utf8))
        _ = try chunked.next()
        #expect(chunked.takeBufferedBody() == nil)
        #expect(try chunked.next() == .body(Array("hi".utf8)))

        var bodiless = HTTPRequestParser()
        bodiless.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        _ = try bodiless.next()
        #expect(bodiless.takeBufferedBody() == nil)
        #expect(try bodiless.next() == .end)
    }
}
