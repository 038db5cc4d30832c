import Testing
import VendoHTTPServer

/// Rows 11, 12, 13, 14 and 19 of the hardening checklist.
@Suite("Header field lines")
struct HeaderFieldLineTests {
    static let tokenBytes = Set(Array("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))

    /// A request whose `X-Test` header name or value embeds `byte`.
    static func requestWith(nameByte byte: UInt8) -> [UInt8] {
        Array("GET / HTTP/1.1\r\nHost: h\r\nX-".utf8) + [byte] + Array("b: v\r\n\r\n".utf8)
    }

    static func requestWith(valueByte byte: UInt8) -> [UInt8] {
        Array("GET / HTTP/1.1\r\nHost: h\r\nX-Test: a".utf8) + [byte] + Array("b\r\n\r\n".utf8)
    }

    @Test func everyByteInAHeaderName() {
        for byte in UInt8.min...UInt8.max {
            let outcome = parse(bytes: Self.requestWith(nameByte: byte))
            if Self.tokenBytes.contains(byte) {
                #expect(outcome.error == nil, "byte \(byte) is a tchar: \(outcome)")
                let name = outcome.heads.first?.headers.map(\.name).last
                #expect(name == "X-" + String(UnicodeScalar(byte)) + "b", "byte \(byte)")
            } else if byte == UInt8(ascii: ":") {
                // "X-:b: v" is the header "X-" with value "b: v": legal.
                #expect(outcome.heads.first?.headers["X-"] == "b: v")
            } else {
                #expect(outcome.status == 400, "byte \(byte) must be refused in a name: \(outcome)")
            }
        }
    }

    @Test func everyByteInAHeaderValue() {
        for byte in UInt8.min...UInt8.max {
            let outcome = parse(bytes: Self.requestWith(valueByte: byte))
            // field-vchar, SP, HTAB and obs-text are allowed; every other CTL
            // (CR and LF included: they would be bare here) and DEL are not.
            let allowed = byte == 0x09 || (byte >= 0x20 && byte != 0x7F)
            if allowed {
                #expect(outcome.error == nil, "byte \(byte) is allowed in a value: \(outcome)")
                let value = outcome.heads.first?.headers["x-test"]
                #expect(value?.utf8.count == (byte < 0x80 ? 3 : 5), "byte \(byte): \(value ?? "nil")")
                if byte < 0x80 {
                    #expect(value == "a" + String(UnicodeScalar(byte)) + "b")
                }
            } else {
                #expect(outcome.status == 400, "byte \(byte) must be refused in a value: \(outcome)")
            }
        }
    }

    @Test func valuesKeepObsTextAndInnerWhitespace() throws {
        let raw: [UInt8] = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Utf8: D".utf8) + [0xC3, 0xBC]
            + Array("sseldorf\r\nX-Latin: \u{09}a \u{09} b\u{09} \r\nX-Raw: ".utf8) + [0xFF, 0x41] + Array("\r\n\r\n".utf8)
        let outcome = parseEverySplit(raw)
        let head = try #require(outcome.heads.first)
        #expect(head.headers["x-utf8"] == "Düsseldorf")
        #expect(head.headers["x-latin"] == "a \u{09} b")  // trimmed at the ends only
        #expect(head.headers["x-raw"] == "\u{FFFD}A")  // invalid UTF-8 is repaired, not dropped
    }

    @Test func emptyValuesAreKept() throws {
        let head = try #require(expectAccepted(request("X-Empty:\r\nX-Spaces:   \t \r\n")))
        #expect(head.headers["x-empty"] == "")
        #expect(head.headers["x-spaces"] == "")
        #expect(head.headers.count == 3)
    }

    @Test func duplicatesAreKeptInOrder() throws {
        let head = try #require(expectAccepted(
            request("Set-Thing: one\r\nx-other: 1\r\nSET-THING: two\r\nset-thing: three\r\n")))
        #expect(head.headers.values(for: "set-thing") == ["one", "two", "three"])
        #expect(head.headers.map(\.name) == ["Host", "Set-Thing", "x-other", "SET-THING", "set-thing"])
    }

    @Test(arguments: [
        "X-A: 1\r\n b\r\n",  // obs-fold with SP
        "X-A: 1\r\n\tb\r\n",  // obs-fold with HTAB
        "X-A : 1\r\n",  // space before colon
        "X-A\t: 1\r\n",  // tab before colon
        ": no-name\r\n",  // empty name
        "X-A\r\n",  // no colon
        "X A: 1\r\n",  // space in name
        "X-A: 1\rX-B: 2\r\n",  // bare CR between headers
        "X-A: 1\nX-B: 2\r\n",  // bare LF between headers
        "X-A: a\u{00}b\r\n",  // NUL in value
        "X-A: a\u{0B}b\r\n",  // VT in value
        "X-A: a\u{7F}b\r\n",  // DEL in value
        "X-A: 1\r\r\n",
        "Connection\r\u{1B}5: keep-alive\r\n",
    ])
    func malformedHeaderLinesAre400(lines: String) {
        expectRejected(request(lines), 400)
    }

    @Test func whitespaceBeforeTheFirstHeaderIs400() {
        expectRejected("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400)
        expectRejected("GET / HTTP/1.1\r\n\tHost: h\r\n\r\n", 400)
    }

    @Test func leadingWhitespaceIsRefusedFromItsFirstByte() {
        // No need to wait for the line end (or a timeout) to refuse it.
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n ".utf8))
        #expect(drainError(&parser)?.status == .badRequest)
    }

    @Test func foldingIsNamedInTheReason() {
        // The reason tells a client developer what to fix.
        let outcome = parse(request("X-A: 1\r\n  continued\r\n"))
        #expect(outcome.status == 400)
        #expect(outcome.error?.reason.contains("folding") == true, "\(outcome)")
    }

    @Test func headerSectionMustEndWithCRLFCRLF() {
        expectRejected("GET / HTTP/1.1\r\nHost: h\r\n\n", 400)
        expectRejected("GET / HTTP/1.1\r\nHost: h\r\n\rX", 400)
        expectRejected("PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\rabc", 400)
        expectRejected("GET / HTTP/1.1\r\nHost: h\n\n", 400)
    }

    @Test func headerBytesLimitIs431() {
        let limits = HTTPParserLimits(maxHeaderBytes: 64)
        // "Host: h\r\n" is 9 bytes; a second line of 55 bytes fills it exactly.
        let filler = "X-Fill: " + String(repeating: "f", count: 55 - 10)
        #expect(("Host: h\r\n" + filler + "\r\n").utf8.count == 64)
        expectAccepted("GET / HTTP/1.1\r\nHost: h\r\n\(filler)\r\n\r\n", limits: limits)
        expectRejected("GET / HTTP/1.1\r\nHost: h\r\n\(filler)x\r\n\r\n", 431, limits: limits)
    }

    @Test func endlessHeaderLineIs431WithoutWaitingForItsEnd() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\nX-Big: ".utf8))
        parser.append([UInt8](repeating: UInt8(ascii: "b"), count: 16 * 1024))
        #expect(drainError(&parser)?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func headerCountLimitIs431() {
        let limits = HTTPParserLimits(maxHeaderCount: 5)
        let four = (1...4).map { "X-\($0): v\r\n" }.joined()
        expectAccepted(request(four), limits: limits)  // Host + 4 = 5
        expectRejected(request(four + "X-5: v\r\n"), 431, limits: limits)
        // The default is 100.
        expectAccepted(request((1...99).map { "X-\($0): v\r\n" }.joined()))
        expectRejected(request((1...100).map { "X-\($0): v\r\n" }.joined()), 431)
    }

    @Test func manySmallHeadersPassTheDefaultByteLimit() {
        // 16 KiB default: 90 headers of ~210 bytes is over it.
        let value = String(repeating: "v", count: 200)
        expectRejected(request((1...90).map { "X-\($0): \(value)\r\n" }.joined()), 431)
        expectAccepted(request((1...90).map { "X-\($0): v\r\n" }.joined()))
    }
}
