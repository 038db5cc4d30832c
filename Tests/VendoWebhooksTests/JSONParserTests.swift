import Testing
import Vendo

@testable import VendoWebhooks

@Suite struct JSONParserTests {
    private func scan(_ text: String) throws -> JSONParser.TopLevel {
        try JSONParser.scanTopLevel(Array(text.utf8))
    }

    @Test func extractsEnvelopeMembers() throws {
        let top = try scan(#"{"id":"evt_1","type":"connection.connected","occurred_at":"2026-01-01T00:00:00Z","data":{"slug":"x","n":[1,2.5,-3e2,true,false,null]}}"#)
        #expect(top.isObject)
        #expect(top.id == "evt_1")
        #expect(top.type == "connection.connected")
        #expect(top.occurredAt == "2026-01-01T00:00:00Z")
        #expect(top.updateID == nil)
    }

    @Test func nestedIdAndTypeAreNotTopLevel() throws {
        let top = try scan(#"{"data":{"id":"inner","type":"inner.type"},"update_id":77}"#)
        #expect(top.id == nil)
        #expect(top.type == nil)
        #expect(top.updateID == "77")
    }

    @Test func nonStringIdIsIgnoredAndNonIntegerUpdateIdToo() throws {
        let top = try scan(#"{"id":5,"type":null,"update_id":1.5}"#)
        #expect(top.id == nil)
        #expect(top.type == nil)
        #expect(top.updateID == nil)
    }

    @Test func repeatedMemberLastWins() throws {
        #expect(try scan(#"{"id":"a","id":"b"}"#).id == "b")
        #expect(try scan(#"{"id":"a","id":3}"#).id == nil)
    }

    @Test func escapedKeysAndValuesAreDecoded() throws {
        let top = try scan(#"{"\u0069d":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n","type":"t"}"#)
        #expect(top.id == "café 😀 \"q\" \\ / \n")
    }

    @Test func nonObjectDocumentsAreValidButNotObjects() throws {
        for text in ["[]", "[1,{\"a\":[]}]", "\"s\"", "12", "-0.5e+3", "true", "null", " {} "] {
            let top = try scan(text)
            #expect(top.isObject == (text.trimmingCharacters(in: .whitespaces) == "{}"), "\(text)")
        }
    }

    @Test(arguments: [
        "", " ", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "{'a':1}", "{\"a\":1}x",
        "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"unterminated", "\"ctl\u{01}\"", "\"bad \\x escape\"",
        "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "{\"a\":NaN}", "[Infinity]", "{\"a\" 1}", "{} {}",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.scanTopLevel(Array(text.utf8)) }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0x80, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xC3, 0x22],
        ]
        for bytes in cases {
            #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.scanTopLevel(bytes) }
        }
        // Valid multi-byte text passes.
        #expect(throws: Never.self) { try JSONParser.scanTopLevel(Array("\"é€😀\"".utf8)) }
    }

    @Test func deepNestingIsRefusedNotCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.scanTopLevel(Array(deep.utf8)) }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array(deep.utf8)) }
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try JSONParser.parse(Array(ok.utf8)) }
    }

    @Test func buildsValues() throws {
        let value = try JSONParser.parse(Array(#"{"i":42,"neg":-7,"d":2.5,"e":1e3,"big":123456789012345678901234,"s":"x","b":true,"n":null,"a":[1,"2"],"o":{}}"#.utf8))
        #expect(value["i"] == .int(42))
        #expect(value["neg"] == .int(-7))
        #expect(value["d"] == .double(2.5))
        #expect(value["e"] == .double(1000))
        #expect(value["big"]?.doubleValue == 123456789012345678901234.0)
        #expect(value["s"] == .string("x"))
        #expect(value["b"] == .bool(true))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.int(1), .string("2")]))
        #expect(value["o"] == .object([:]))
    }

    @Test func textRoundTripsThroughTheWriter() throws {
        let value: JSONValue = ["k": ["q\"\\\n\t\u{01}é", 1, 2.5, nil, true], "empty": [:]]
        var out: [UInt8] = []
        JSONText.append(value, to: &out)
        #expect(try JSONParser.parse(out) == value)
    }

    @Test func writerEscapesEveryControlCharacter() throws {
        for scalar in 0..<0x20 {
            let text = "a" + String(UnicodeScalar(UInt8(scalar))) + "b"
            var out: [UInt8] = []
            JSONText.appendString(text, to: &out)
            #expect(!out.contains(where: { $0 < 0x20 }))
            #expect(try JSONParser.parse(out) == .string(text))
        }
    }

    @Test func specialBytesAreFoundAtEveryOffsetOfTheFastScan() throws {
        for offset in 0..<24 {
            let lead = String(repeating: "a", count: offset)
            // An escaped quote ends nothing; the value decodes exactly.
            let escaped = try JSONParser.parse(Array("\"\(lead)\\\"\(lead)\"".utf8))
            #expect(escaped == .string(lead + "\"" + lead), "offset \(offset)")
            // The closing quote is found where it is.
            #expect(try JSONParser.parse(Array("[\"\(lead)\",1]".utf8)) == [.string(lead), 1], "offset \(offset)")
            // Control characters and invalid UTF-8 are caught wherever they sit.
            #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array("\"\(lead)".utf8) + [0x01] + Array("bbbbbbbbb\"".utf8)) }
            #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array("\"\(lead)".utf8) + [0xFF] + Array("bbbbbbbbb\"".utf8)) }
            #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(Array("\"\(lead)".utf8) + [0x7F - 0x60] + Array("\"".utf8)) }
            // Multi-byte text and DEL pass.
            #expect(try JSONParser.parse(Array("\"\(lead)é\u{7F}~ \"".utf8)) == .string(lead + "é\u{7F}~ "), "offset \(offset)")
        }
    }
}

