import Testing
import VendoHTTPServer

@Suite("HTTPHeaders")
struct HTTPHeadersTests {
    @Test func lookupIgnoresCaseAndReturnsTheFirstValue() {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain")
        headers.add(name: "X-Tag", value: "a")
        headers.add(name: "x-tag", value: "b")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers["X-TAG"] == "a")
        #expect(headers["missing"] == nil)
        #expect(headers.values(for: "X-Tag") == ["a", "b"])
        #expect(headers.values(for: "missing") == [])
        #expect(headers.contains("x-TAG"))
        #expect(!headers.contains("x-ta"))
        #expect(headers.count == 3)
    }

    @Test func caseFoldingIsASCIIOnly() {
        // "K" (U+212A KELVIN SIGN) must not match "k".
        let headers: HTTPHeaders = ["\u{212A}ey": "v"]
        #expect(headers["key"] == nil)
        #expect(headers["\u{212A}EY"] == "v")
    }

    @Test func orderAndDuplicatesArePreserved() {
        let headers = HTTPHeaders([(name: "B", value: "1"), (name: "A", value: "2"), (name: "b", value: "3")])
        #expect(headers.map(\.name) == ["B", "A", "b"])
        #expect(headers.map(\.value) == ["1", "2", "3"])
        var iterated: [String] = []
        for (name, value) in headers {
            iterated.append("\(name)=\(value)")
        }
        #expect(iterated == ["B=1", "A=2", "b=3"])
    }

    @Test func forEachFieldBytesGivesEveryFieldsBytesInOrder() throws {
        var headers = HTTPHeaders([(name: "B", value: "1"), (name: "A", value: "caf\u{E9}"), (name: "b", value: "")])
        headers.remove(name: "missing")
        var seen: [String] = []
        headers.forEachFieldBytes { name, value in
            seen.append("\(String(decoding: name, as: UTF8.self))=\(Array(value))")
        }
        #expect(seen == ["B=\(Array("1".utf8))", "A=\(Array("caf\u{E9}".utf8))", "b=[]"])
        // Parsed headers point into the received header block: same answer.
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\nX-One:  spaced  \r\n\r\n".utf8))
        guard case .head(let head)? = try parser.next() else { Issue.record("no head"); return }
        var parsed: [String] = []
        head.headers.forEachFieldBytes { name, value in
            parsed.append(String(decoding: name, as: UTF8.self) + ":" + String(decoding: value, as: UTF8.self))
        }
        #expect(parsed == ["Host:h", "X-One:spaced"])
    }

    @Test func replaceOrAddReplacesTheFirstAndRemovesTheRest() {
        var headers = HTTPHeaders([
            (name: "Set", value: "1"), (name: "Other", value: "x"), (name: "set", value: "2"), (name: "SET", value: "3"),
        ])
        headers.replaceOrAdd(name: "Set", value: "new")
        #expect(headers.map(\.name) == ["Set", "Other"])
        #expect(headers["set"] == "new")
        headers.replaceOrAdd(name: "Fresh", value: "f")
        #expect(headers.map(\.name) == ["Set", "Other", "Fresh"])
    }

    @Test func removeDropsEveryMatch() {
        var headers: HTTPHeaders = ["A": "1", "B": "2"]
        headers.add(name: "a", value: "3")
        headers.remove(name: "A")
        #expect(headers.map(\.name) == ["B"])
        headers.remove(name: "missing")
        #expect(headers.count == 1)
        #expect(!headers.isEmpty)
        headers.remove(name: "b")
        #expect(headers.isEmpty)
    }

    @Test func equalityComparesNamesCaseInsensitivelyAndValuesExactly() {
        let a: HTTPHeaders = ["Content-Type": "text/plain", "X": "1"]
        let b = HTTPHeaders([(name: "content-type", value: "text/plain"), (name: "x", value: "1")])
        #expect(a == b)
        #expect(a != ["Content-Type": "TEXT/PLAIN", "X": "1"])
        #expect(a != ["X": "1", "Content-Type": "text/plain"])  // order matters
        #expect(a != ["Content-Type": "text/plain"])
        #expect(HTTPHeaders() == [:])
    }

    @Test func descriptionListsFields() {
        let headers: HTTPHeaders = ["A": "1", "B": "2"]
        #expect(headers.description == "A: 1\nB: 2")
    }
}
