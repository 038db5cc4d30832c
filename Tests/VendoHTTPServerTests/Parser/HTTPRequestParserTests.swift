import Testing
import VendoHTTPServer

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
