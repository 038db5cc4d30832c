import Testing
import VendoHTTPServer

/// Rows 15, 22 and 23 of the hardening checklist: Host, Expect, keep-alive.
@Suite("Message rules: Host, Expect, Connection")
struct HeadBuilderTests {
    // MARK: Host (row 15)

    @Test func http11NeedsExactlyOneHost() {
        expectRejected("GET / HTTP/1.1\r\n\r\n", 400)
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400)
        expectRejected("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400)
        expectRejected("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n", 400)
    }

    @Test func http10MayOmitHostButNotRepeatIt() throws {
        let head = try #require(expectAccepted("GET / HTTP/1.0\r\n\r\n"))
        #expect(head.version == .http1_0)
        #expect(head.authority == nil)
        expectRejected("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400)
        expectRejected("GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 400)
    }

    @Test(arguments: [
        "example.com", "example.com:8080", "EXAMPLE.com", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:8080",
        "[2001:db8::a:1]:443", "[v1.fe]", "a-b_c~d.e", "0.0.0.0=5000", "%41bc", "host:", "",
    ])
    func validHostsAreAccepted(host: String) throws {
        let head = try #require(expectAccepted("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n"))
        #expect(head.authority == host)
        #expect(head.headers["Host"] == host)
    }

    @Test(arguments: [
        "exa mple.com", "example.com:80:80", "example.com:http", "user@example.com", "example.com/path",
        "example.com?q", "[::1", "::1]", "[]", "[::1]x", "%4", "%zz", "exa\"mple", "exa<mple", "a\\b", "\u{80}x",
    ])
    func invalidHostsAre400(host: String) {
        expectRejected("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n", 400)
    }

    @Test func hostIsCheckedBeforeTheBody() {
        // A bad Host is answered from the head; the body is never waited for.
        let outcome = expectRejected("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n", 400)
        #expect(outcome.events.isEmpty)
    }

    // MARK: Expect (row 22)

    @Test func expectContinueOnHTTP11SetsTheFlag() throws {
        for value in ["100-continue", "100-Continue", " 100-CONTINUE "] {
            let head = try #require(expectAccepted(
                "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: \(value)\r\nContent-Length: 2\r\n\r\nhi"))
            #expect(head.expectsContinue, "\(value)")
        }
        let plain = try #require(expectAccepted("PUT /f HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"))
        #expect(!plain.expectsContinue)
    }

    @Test func headIsEmittedBeforeAnyBodyByteSoContinueCanBeSent() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        guard case .head(let head)? = try parser.next() else {
            Issue.record("the head must be available without the body")
            return
        }
        #expect(head.expectsContinue)
        #expect(try parser.next() == nil)
        #expect(parser.isReadingBody)
        parser.append(Array("hi".utf8))
        #expect(try parser.next() == .body(Array("hi".utf8)))
        #expect(try parser.next() == .end)
    }

    @Test func otherExpectationsAre417() {
        expectRejected("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\nhi", 417)
        expectRejected("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue, foo\r\n\r\n", 417)
        expectRejected("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nExpect: 200-ok\r\n\r\n", 417)
        expectRejected("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue=1\r\n\r\n", 417)
    }

    @Test func framingErrorsWinOverExpectationFailures() {
        // A request whose framing is broken is a 400 whatever it expects.
        expectRejected("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: nope\r\nContent-Length: x\r\n\r\n", 400)
        expectRejected("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 9999999\r\n\r\n", 413)
    }

    @Test func expectIsIgnoredOnHTTP10() throws {
        let head = try #require(expectAccepted("PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"))
        #expect(!head.expectsContinue)
        let other = try #require(expectAccepted("PUT /f HTTP/1.0\r\nExpect: anything\r\n\r\n"))
        #expect(!other.expectsContinue)
    }

    // MARK: keep-alive (row 23)

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\t\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, CLOSE\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nConnection: close\r\n\r\n", false),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", true),  // a token, not "close"
        ("GET / HTTP/1.1\r\nHost: h\r\nConnection: x-close\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: h\r\nX-Connection: close\r\n\r\n", true),
        ("GET / HTTP/1.0\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: foo, keep-alive\r\n\r\n", true),
        ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false),
        ("GET / HTTP/1.0\r\nConnection: keepalive\r\n\r\n", false),
    ])
    func keepAliveFlag(raw: String, keepAlive: Bool) throws {
        let head = try #require(expectAccepted(raw))
        #expect(head.keepAlive == keepAlive)
    }
}
