import Testing
import VendoHTTPServer

/// Rows 16, 17, 18, 25 and 30 of the hardening checklist.
@Suite("Request line")
struct RequestLineTests {
    @Test func methodsAreTokensAndUnknownOnesParse() throws {
        let head = try #require(expectAccepted("PURGE /cache HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(head.method == HTTPMethod(rawValue: "PURGE"))
        #expect(!head.method.isStandard)
        let odd = try #require(expectAccepted("X!#$%&'*+-.^_`|~9 / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(odd.method.rawValue == "X!#$%&'*+-.^_`|~9")
    }

    @Test func standardMethodsAreRecognised() throws {
        for name in ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"] {
            let head = try #require(expectAccepted("\(name) / HTTP/1.1\r\nHost: h\r\n\r\n"))
            #expect(head.method.rawValue == name)
            #expect(head.method.isStandard)
        }
        // Methods are case-sensitive: "get" is a different, non-standard method.
        let lower = try #require(expectAccepted("get / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(lower.method != .get)
        #expect(!lower.method.isStandard)
    }

    @Test(arguments: [
        "GET  / HTTP/1.1\r\n",  // double space before target
        "GET /  HTTP/1.1\r\n",  // double space before version
        "GET\t/ HTTP/1.1\r\n",  // tab separator
        "GET /\tHTTP/1.1\r\n",
        " GET / HTTP/1.1\r\n",  // leading space
        "GET / HTTP/1.1 \r\n",  // trailing space
        "GET / HTTP/1.1x\r\n",  // trailing junk
        "GET / http/1.1\r\n",  // lowercase protocol
        "GET / HTTP/1.1.1\r\n",
        "GET / HTTP/11\r\n",
        "GET / HTTP/a.b\r\n",
        "GET / HTTP/1.\r\n",
        "GET / ICE/1.0\r\n",
        "GET / RTSP/1.0\r\n",
        "GET /\r\n",  // HTTP/0.9
        "GET\r\n",
        "/ HTTP/1.1\r\n",
        "G@T / HTTP/1.1\r\n",  // method not a token
        "GET /a b HTTP/1.1\r\n",  // space in target
        "GET #frag HTTP/1.1\r\n",  // only a fragment
        "GET /a#b#c HTTP/1.1\r\n",  // a second # inside the fragment
        "GET /a#b\u{01} HTTP/1.1\r\n",  // CTL inside the fragment
        "GET /a\u{01}b HTTP/1.1\r\n",  // CTL
        "GET /a\u{7F} HTTP/1.1\r\n",  // DEL
        "GET /\u{00} HTTP/1.1\r\n",  // NUL
        "GET /caf\u{E9} HTTP/1.1\r\n",  // non-ASCII (UTF-8) in the target
        "GET * HTTP/1.1\r\n",  // * only for OPTIONS
        "GET example.com:443 HTTP/1.1\r\n",  // authority-form only for CONNECT
        "CONNECT /path HTTP/1.1\r\n",  // CONNECT needs authority-form
        "CONNECT example.com HTTP/1.1\r\n",  // ... with a port
        "CONNECT example.com: HTTP/1.1\r\n",
        "GET ftp://example.com/ HTTP/1.1\r\n",  // only http(s) absolute-form
        "GET http:/example.com/ HTTP/1.1\r\n",
        "GET http:// HTTP/1.1\r\n",  // empty authority
        "GET http://exa mple.com/ HTTP/1.1\r\n",
        "GET http://example.com:80a/ HTTP/1.1\r\n",  // bad port
        "GET http://exa<mple.com/ HTTP/1.1\r\n",
        "GET http://[::1/ HTTP/1.1\r\n",  // unbalanced IP literal
    ])
    func malformedRequestLinesAre400(line: String) {
        expectRejected(line + "Host: h\r\n\r\n", 400)
    }

    @Test func fragmentsAreStrippedByDefault() throws {
        // Row 18 deviation, documented on HTTPParserLimits.fragmentPolicy:
        // a well-formed fragment is dropped, never shown to handlers.
        var head = try #require(expectAccepted(request(target: "/search?q=1#results")))
        #expect(head.target == "/search?q=1")
        #expect(head.path == "/search")
        #expect(head.query == "q=1")
        head = try #require(expectAccepted(request(target: "/a/b#frag/with?chars")))
        #expect(head.target == "/a/b")
        #expect(head.path == "/a/b")
        #expect(head.query == nil)
        head = try #require(expectAccepted(
            "GET http://example.com/p?x=1#top HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(head.path == "/p")
        #expect(head.query == "x=1")
        #expect(head.authority == "example.com")
    }

    @Test func fragmentsAreRefusedWhenConfigured() {
        let strict = HTTPParserLimits(fragmentPolicy: .reject)
        let outcome = expectRejected(request(target: "/a#frag"), 400, limits: strict)
        #expect(outcome.error?.reason.contains("fragment") == true)
        expectAccepted(request(target: "/a?b=c"), limits: strict)
    }

    @Test(arguments: ["HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9"])
    func otherVersionsAre505(version: String) {
        expectRejected("GET / \(version)\r\nHost: h\r\n\r\n", 505)
    }

    @Test func http2PrefaceIsRefused() {
        // The HTTP/2 connection preface is answered 505 at its first line,
        // before the "SM" part could be mistaken for anything.
        let outcome = expectRejected("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505)
        #expect(outcome.events.isEmpty)
        // As an HTTP/1.1 request line (llhttp's variant) PRI is refused too,
        // so the "SM" that follows is never parsed as a next request.
        let outcome11 = expectRejected("PRI * HTTP/1.1\r\nHost: h\r\n\r\nSM\r\n\r\n", 400)
        #expect(outcome11.events.isEmpty)
        expectRejected("PRI / HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        // Only the exact (case-sensitive) method is reserved.
        expectAccepted("PRIX / HTTP/1.1\r\nHost: h\r\n\r\n")
        expectAccepted("pri / HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    @Test func upgradeHeadersArePassedThrough() throws {
        let head = try #require(
            expectAccepted(request("Connection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n")))
        #expect(head.headers["upgrade"] == "h2c")
        #expect(head.keepAlive)
        #expect(head.framing == .none)
    }

    @Test func originFormSplitsPathAndQuery() throws {
        var head = try #require(expectAccepted(request(target: "/a/b?x=1&y=%20?z")))
        #expect(head.target == "/a/b?x=1&y=%20?z")
        #expect(head.path == "/a/b")
        #expect(head.query == "x=1&y=%20?z")
        head = try #require(expectAccepted(request(target: "/only/path")))
        #expect(head.path == "/only/path")
        #expect(head.query == nil)
        head = try #require(expectAccepted(request(target: "/?")))
        #expect(head.path == "/")
        #expect(head.query == "")
        // Characters RFC 3986 dislikes but clients send are accepted as-is.
        head = try #require(expectAccepted(request(target: "/with_\"quotes\"?q=|{}\\^`")))
        #expect(head.path == "/with_\"quotes\"")
    }

    @Test func absoluteFormAuthorityWinsOverHost() throws {
        var head = try #require(expectAccepted(
            "GET http://api.example.com:8080/v1/items?limit=5 HTTP/1.1\r\nHost: other.example\r\n\r\n"))
        #expect(head.target == "http://api.example.com:8080/v1/items?limit=5")
        #expect(head.path == "/v1/items")
        #expect(head.query == "limit=5")
        #expect(head.authority == "api.example.com:8080")
        #expect(head.headers["host"] == "other.example")  // headers stay as received

        head = try #require(expectAccepted("GET HTTPS://example.com HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(head.path == "/")
        #expect(head.query == nil)
        #expect(head.authority == "example.com")

        head = try #require(expectAccepted("GET http://example.com?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(head.path == "/")
        #expect(head.query == "q=1")

        // Userinfo is tolerated but never exposed as part of the authority.
        head = try #require(expectAccepted("GET http://a%12:b!&*$@example.com:1234/toto HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(head.authority == "example.com:1234")
        #expect(head.path == "/toto")

        head = try #require(expectAccepted("GET http://[::1]:8080/ HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(head.authority == "[::1]:8080")
    }

    @Test func absoluteFormStillNeedsHostOnHTTP11() {
        expectRejected("GET http://example.com/ HTTP/1.1\r\n\r\n", 400)
    }

    @Test func authorityFormOnlyForConnect() throws {
        let head = try #require(expectAccepted("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"))
        #expect(head.method == .connect)
        #expect(head.target == "example.com:443")
        #expect(head.path == "")
        #expect(head.authority == "example.com:443")
        let ipv6 = try #require(expectAccepted("CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(ipv6.authority == "[2001:db8::1]:443")
    }

    @Test func asteriskFormOnlyForOptions() throws {
        let head = try #require(expectAccepted("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(head.path == "*")
        #expect(head.query == nil)
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "TRACE"] {
            expectRejected("\(method) * HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        }
        expectRejected("OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        expectRejected("OPTIONS ** HTTP/1.1\r\nHost: h\r\n\r\n", 400)
    }

    @Test func asteriskWithAnUnknownMethodIsLeftToTheServer() throws {
        // SSDP's M-SEARCH uses "*"; the server answers 501 for the method.
        let head = try #require(expectAccepted("M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\n\r\n"))
        #expect(!head.method.isStandard)
        #expect(head.path == "*")
    }

    @Test func requestLineOf8000OctetsIsSupported() throws {
        let target = "/" + String(repeating: "a", count: 7990)
        let line = "GET \(target) HTTP/1.1"
        #expect(line.utf8.count > 8000)
        let outcome = parse(line + "\r\nHost: h\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.heads.first?.path == target)
    }

    @Test func requestLineAtTheLimitPassesAndOneMoreIs414() throws {
        let limits = HTTPParserLimits(maxRequestLineLength: 100)
        let fixed = "GET  HTTP/1.1".utf8.count
        let exact = "GET /" + String(repeating: "x", count: 100 - fixed - 1) + " HTTP/1.1"
        #expect(exact.utf8.count == 100)
        expectAccepted(exact + "\r\nHost: h\r\n\r\n", limits: limits)
        let over = "GET /" + String(repeating: "x", count: 100 - fixed) + " HTTP/1.1"
        expectRejected(over + "\r\nHost: h\r\n\r\n", 414, limits: limits)
    }

    @Test func endlessRequestLineIs414WithoutWaitingForItsEnd() throws {
        // Default limit: 8 KiB. No CRLF ever arrives: the parser must refuse
        // once the limit is certain to be passed, not buffer forever.
        var parser = HTTPRequestParser()
        parser.append(Array("GET /".utf8))
        #expect(try parser.next() == nil)
        parser.append([UInt8](repeating: UInt8(ascii: "a"), count: 8 * 1024))
        #expect(drainError(&parser)?.status == .uriTooLong)
    }

    @Test func binaryGarbageAndTLSAreRefusedAtOnce() {
        // A TLS 1.2/1.3 ClientHello record header: refused from its first
        // bytes, without waiting for a line end that never comes.
        let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]
        var parser = HTTPRequestParser()
        parser.append(Array(clientHello.prefix(1)))
        #expect(drainError(&parser)?.status == .badRequest)
        expectRejected(bytes: clientHello + [UInt8](repeating: 0xAB, count: 64), 400)
        expectRejected(bytes: [0x00, 0x00, 0x00, 0x00], 400)
        expectRejected(bytes: [0xFF, 0xFE, 0x47, 0x45, 0x54], 400)
        expectRejected(bytes: Array("\u{1B}[A\r\n".utf8), 400)
    }

    @Test func emptyLinesBeforeTheRequestAreIgnored() throws {
        let head = try #require(expectAccepted("\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(head.path == "/x")
        // Several are tolerated too (clients that send CRLF after a body)...
        expectAccepted("\r\n\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n")
        // ... within the request-line budget, so CRLF floods end.
        let limits = HTTPParserLimits(maxRequestLineLength: 20)
        expectAccepted(String(repeating: "\r\n", count: 10) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits)
        expectRejected(String(repeating: "\r\n", count: 11) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, limits: limits)
        // Only CRLF counts as an empty line.
        expectRejected("\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        expectRejected("\rGET /x HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        expectRejected("\r\n\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n", 400)
        expectRejected(" \r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n", 400)
    }

    @Test func emptyLinesBetweenPipelinedRequestsAreIgnored() {
        // After a Content-Length body, stray CRLFs before the next request.
        let outcome = parseEverySplit(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nq=42\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(outcome.error == nil)
        #expect(outcome.heads.map(\.path) == ["/", "/next"])
    }

    @Test func requestLineNeedsCRLF() {
        expectRejected("GET / HTTP/1.1\nHost: h\r\n\r\n", 400)
        expectRejected("GET / HTTP/1.1\rHost: h\r\n\r\n", 400)
        expectRejected("GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", 400)
    }
}
