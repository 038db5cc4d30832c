import Foundation
import Testing

@testable import Vendo

/// Feeds `chunks` in order and collects every output.
private func run(_ chunks: [[UInt8]], maxEventBytes: Int = SSEParser.defaultMaxEventBytes) -> [SSEParser.Output] {
    var parser = SSEParser(maxEventBytes: maxEventBytes)
    return chunks.flatMap { parser.parse($0) }
}

private func run(_ text: String, maxEventBytes: Int = SSEParser.defaultMaxEventBytes) -> [SSEParser.Output] {
    run([Array(text.utf8)], maxEventBytes: maxEventBytes)
}

private func events(_ outputs: [SSEParser.Output]) -> [EventStreamMessage] {
    outputs.compactMap { if case .event(let event) = $0 { return event } else { return nil } }
}

private func message(_ type: String = "message", _ data: JSONValue, id: String? = nil, retry: Int? = nil)
    -> SSEParser.Output
{
    .event(EventStreamMessage(type: type, data: data, id: id, retry: retry))
}

/// The docs' example stream, with a heartbeat, two events, CRLF and CR line endings mixed in.
private let sampleStream = Array(
    (": ping\n\n"
        + "id: evt_1\nevent: connection.connected\n"
        + "data: {\"id\":\"evt_1\",\"kind\":\"connection.connected\",\"slug\":\"openai\",\"connection_id\":\"cn_1\"}\n\n"
        + "id: evt_2\r\nevent: billing.usage_recorded\r\n"
        + "data: {\"id\":\"evt_2\",\"provider\":\"openrouter\",\"micros\":1234}\r\n\r\n"
        + "retry: 2500\rdata: first line\rdata:  second line\r\r"
        + ": trailing comment\n"
        + "event: connection_created\nid: évt_3\ndata: plain text, not JSON\n\n").utf8)

private let sampleExpected: [SSEParser.Output] = [
    message(
        "connection.connected",
        ["id": "evt_1", "kind": "connection.connected", "slug": "openai", "connection_id": "cn_1"], id: "evt_1"),
    message("billing.usage_recorded", ["id": "evt_2", "provider": "openrouter", "micros": 1234], id: "evt_2"),
    message("message", "first line\n second line", retry: 2500),
    message("connection_created", "plain text, not JSON", id: "évt_3"),
]

@Suite("SSEParser")
struct SSEParserTests {
    @Test func parsesTheSampleStreamWhole() {
        #expect(run([sampleStream]) == sampleExpected)
    }

    @Test func everyTwoWaySplitGivesTheSameEvents() {
        for cut in 0...sampleStream.count {
            let outputs = run([Array(sampleStream[..<cut]), Array(sampleStream[cut...])])
            #expect(outputs == sampleExpected, "split at byte \(cut)")
        }
    }

    @Test func byteByByteGivesTheSameEvents() {
        #expect(run(sampleStream.map { [$0] }) == sampleExpected)
    }

    @Test func everyThreeWaySplitOfAShortStreamGivesTheSameEvents() {
        let stream = Array("\u{FEFF}id: a\r\ndata: 1\r\n\r\n:c\rdata:x\r\r".utf8)
        let expected: [SSEParser.Output] = [message("message", 1, id: "a"), message("message", "x")]
        for first in 0...stream.count {
            for second in first...stream.count {
                let chunks = [Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])]
                #expect(run(chunks) == expected, "splits at \(first), \(second)")
            }
        }
    }

    @Test func crAtTheEndOfOneChunkAndLfAtTheStartOfTheNextAreOneLineEnding() {
        // If the LF were a second line ending, the blank line would dispatch "a" early with no type.
        let outputs = run([Array("event: t\r".utf8), Array("\ndata: a\r".utf8), Array("\n\r".utf8), Array("\n".utf8)])
        #expect(outputs == [message("t", "a")])
    }

    @Test func loneCrAndLoneLfAreLineEndings() {
        #expect(run("data: a\r\rdata: b\n\n") == [message("message", "a"), message("message", "b")])
        #expect(run("data: a\n\rdata: b\r\n\n") == [message("message", "a"), message("message", "b")])
    }

    @Test func commentsAreIgnoredWhateverTheirLength() {
        let huge = ":" + String(repeating: "p", count: 5000) + "\n"
        #expect(run(": ping\n\n" + huge + "\n:\n\n", maxEventBytes: 100).isEmpty)
        #expect(run(":ping\ndata: a\n: mid-event\ndata: b\n\n") == [message("message", "a\nb")])
    }

    @Test func multiLineDataIsJoinedWithLineFeeds() {
        #expect(run("data: {\ndata: \"a\": [1,\ndata: 2]}\n\n") == [message("message", ["a": [1, 2]])])
        #expect(run("data:\ndata:\n\n") == [message("message", "\n")])
    }

    @Test func exactlyOneLeadingSpaceIsRemoved() {
        #expect(run("data:x\n\n") == [message("message", "x")])
        #expect(run("data: x\n\n") == [message("message", "x")])
        #expect(run("data:  x\n\n") == [message("message", " x")])
        #expect(run("data:\tx\n\n") == [message("message", "\tx")])
        #expect(run("event:  spaced\ndata: 1\n\n") == [message(" spaced", 1)])
    }

    @Test func aFieldWithNoColonHasAnEmptyValue() {
        #expect(run("data\n\n") == [message("message", "")])
        #expect(run("event\ndata: 1\n\n") == [message("message", 1)])
    }

    @Test func theTypeDefaultsToMessageAndTheLastEventFieldWins() {
        #expect(run("data: 1\n\n") == [message("message", 1)])
        #expect(run("event:\ndata: 1\n\n") == [message("message", 1)])
        #expect(run("event: a\nevent: b\ndata: 1\n\n") == [message("b", 1)])
        // The type does not leak into the next event.
        #expect(run("event: a\ndata: 1\n\ndata: 2\n\n") == [message("a", 1), message("message", 2)])
    }

    @Test func aBlockWithoutDataDispatchesNothing() {
        var parser = SSEParser()
        #expect(parser.parse(Array("event: x\nid: 7\nretry: 10\n\n".utf8)).isEmpty)
        #expect(parser.lastEventID == "7")
        #expect(parser.reconnectionTime == 10)
        // Nothing of that block leaks into the next one but the sticky id and retry.
        #expect(parser.parse(Array("data: 1\n\n".utf8)) == [message("message", 1)])
    }

    @Test func dataIsJSONWhenItParsesAndTextOtherwise() {
        #expect(run("data: 42\n\n") == [message("message", 42)])
        #expect(run("data: 4.5\n\n") == [message("message", 4.5)])
        #expect(run("data: true\n\n") == [message("message", true)])
        #expect(run("data: null\n\n") == [message("message", .null)])
        #expect(run("data: \"quoted\"\n\n") == [message("message", "quoted")])
        #expect(run("data: [1, \"a\"]\n\n") == [message("message", [1, "a"])])
        #expect(run("data: {\"a\": \n\n") == [message("message", "{\"a\": ")])
        #expect(run("data: hello world\n\n") == [message("message", "hello world")])
        // The strict parser decides: a fraction is a double; lenient JSON stays text.
        #expect(run("data: 1.0\n\n") == [message("message", .double(1))])
        #expect(run("data: [1,]\n\n") == [message("message", "[1,]")])
        #expect(run("data: {\"a\":\ndata: [1]}\n\n") == [message("message", ["a": [1]])])
        // Nesting past the parser's limit is delivered as text, not rejected.
        let levels = JSONValue.defaultMaxParsingDepth + 1
        let deep = String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
        let deliveredAsText = run("data: \(deep)\n\n") == [message("message", .string(deep))]
        #expect(deliveredAsText, "\(levels) levels of nesting should arrive as a string")
    }

    @Test func idsAreKeptPerEventAndStickyForReconnection() {
        var parser = SSEParser()
        #expect(parser.parse(Array("id: 1\ndata: a\n\ndata: b\n\n".utf8)) == [
            message("message", "a", id: "1"), message("message", "b"),
        ])
        #expect(parser.lastEventID == "1")
        #expect(parser.parse(Array("id\ndata: c\n\n".utf8)) == [message("message", "c", id: "")])
        #expect(parser.lastEventID == "")
    }

    @Test func idsContainingNulAreIgnored() {
        var parser = SSEParser()
        let outputs = parser.parse(Array("id: good\n\nid: ba\u{0}d\ndata: x\n\n".utf8))
        #expect(outputs == [message("message", "x")])
        #expect(parser.lastEventID == "good")
    }

    @Test func retryMustBeAsciiDigitsOnly() {
        for bad in ["retry: 15a", "retry: -1", "retry: +5", "retry: 1.5", "retry: ", "retry", "retry:  5",
            "retry: ١٢", "retry: 99999999999999999999999999"]
        {
            var parser = SSEParser()
            let outputs = parser.parse(Array("\(bad)\ndata: x\n\n".utf8))
            #expect(outputs == [message("message", "x")], "\(bad)")
            #expect(parser.reconnectionTime == nil, "\(bad)")
        }
        var parser = SSEParser()
        #expect(parser.parse(Array("retry: 0750\ndata: x\n\n".utf8)) == [message("message", "x", retry: 750)])
        #expect(parser.reconnectionTime == 750)
    }

    @Test func unknownAndMiscasedFieldsAreIgnored() {
        #expect(run("Data: no\nfoo: bar\nDATA: no\ndata: yes\n\n") == [message("message", "yes")])
    }

    @Test func finishDiscardsAPartialEventButKeepsTheLastIdAndRetry() {
        var parser = SSEParser()
        #expect(parser.parse(Array("id: 9\nretry: 300\n\ndata: partial\nevent: half".utf8)).isEmpty)
        parser.finish()
        #expect(parser.lastEventID == "9")
        #expect(parser.reconnectionTime == 300)
        // A new stream starts clean: the partial "data: partial" is gone, and a BOM is allowed again.
        #expect(parser.parse(Array("\u{FEFF}data: fresh\n\n".utf8)) == [message("message", "fresh")])
    }

    @Test func anIdInsideAnEventCutOffByTheEndOfTheStreamIsNotResumedFrom() {
        var parser = SSEParser()
        #expect(parser.parse(Array("id: 1\ndata: a\n\nid: 2\ndata: cut".utf8)) == [message("message", "a", id: "1")])
        #expect(parser.lastEventID == "1")
        parser.finish()
        #expect(parser.lastEventID == "1")
        // Nor does it leak into the next stream's first event.
        #expect(parser.parse(Array("data: b\n\n".utf8)) == [message("message", "b")])
        #expect(parser.lastEventID == "1")
    }

    @Test func theIdIsCommittedAtTheBlankLineNotBefore() {
        var parser = SSEParser()
        _ = parser.parse(Array("id: 7\n".utf8))
        #expect(parser.lastEventID == nil)
        _ = parser.parse(Array("\n".utf8))
        #expect(parser.lastEventID == "7")
        // The buffer persists: a later block without an id keeps resuming from 7.
        _ = parser.parse(Array("data: x\n\n".utf8))
        #expect(parser.lastEventID == "7")
    }

    @Test func aCrAtTheEndOfAStreamDoesNotEatTheNextStreamsFirstByte() {
        var parser = SSEParser()
        _ = parser.parse(Array("data: a\r".utf8))
        parser.finish()
        #expect(parser.parse(Array("\ndata: b\n\n".utf8)) == [message("message", "b")])
    }

    @Test func aLeadingBomIsSkippedOnlyAtTheStart() {
        #expect(run("\u{FEFF}data: 1\n\n") == [message("message", 1)])
        #expect(run([[0xEF], [0xBB], [0xBF], Array("data: 1\n\n".utf8)]) == [message("message", 1)])
        // A BOM later in the stream is content: here it is part of a field name, so the line is ignored.
        #expect(run("data: 1\n\n\u{FEFF}data: 2\n\n") == [message("message", 1)])
        // Only one BOM is skipped.
        #expect(run("\u{FEFF}\u{FEFF}data: 2\n\n").isEmpty)
    }

    @Test func aPartialBomIsContent() {
        // 0xEF 0xBB followed by "d": the held-back bytes are replayed as (invalid) UTF-8 of the field name.
        #expect(run([[0xEF, 0xBB], Array("data: 1\n\ndata: 2\n\n".utf8)]) == [message("message", 2)])
        // A line ending right after a partial BOM still ends a line.
        #expect(run([[0xEF], Array("\ndata: 3\n\n".utf8)]) == [message("message", 3)])
    }

    @Test func invalidUtf8BecomesReplacementCharacters() {
        let outputs = run([Array("data: a".utf8) + [0xFF, 0xFE] + Array("b\n\n".utf8)])
        #expect(outputs == [message("message", "a\u{FFFD}\u{FFFD}b")])
    }

    @Test func anEventOverTheLimitIsDroppedAndReported() {
        let big = String(repeating: "x", count: 200)
        let stream = "id: big\nevent: huge\ndata: \(big)\n\nid: next\ndata: small\n\n"
        let outputs = run(stream, maxEventBytes: 64)
        #expect(outputs == [
            .droppedOversizeEvent(.init(type: "huge", id: "big", limit: 64)),
            message("message", "small", id: "next"),
        ])
        // Split anywhere, the outcome is the same.
        let bytes = Array(stream.utf8)
        for cut in 0...bytes.count {
            #expect(run([Array(bytes[..<cut]), Array(bytes[cut...])], maxEventBytes: 64) == outputs, "cut \(cut)")
        }
    }

    @Test func anEventOfManySmallLinesOverTheLimitIsDropped() {
        let lines = String(repeating: "data: 0123456789\n", count: 20)
        #expect(run(lines + "\n" + "data: ok\n\n", maxEventBytes: 100) == [
            .droppedOversizeEvent(.init(type: "message", id: nil, limit: 100)),
            message("message", "ok"),
        ])
    }

    @Test func theLimitCountsEveryFieldLineWithoutLineEndings() {
        // "data: " + 10 bytes = 16 bytes: at a 16-byte limit it is kept, at 15 it is dropped.
        let stream = "data: 1234567890\r\n\r\n"
        #expect(run(stream, maxEventBytes: 16) == [message("message", 1_234_567_890)])
        #expect(run(stream, maxEventBytes: 15) == [.droppedOversizeEvent(.init(type: "message", id: nil, limit: 15))])
        // id and event lines count too (5 + 16 = 21 bytes).
        #expect(run("id: 1\ndata: 1234567890\n\n", maxEventBytes: 21) == [message("message", 1_234_567_890, id: "1")])
        #expect(run("id: 1\ndata: 1234567890\n\n", maxEventBytes: 20) == [
            .droppedOversizeEvent(.init(type: "message", id: "1", limit: 20))
        ])
    }

    @Test func theIdOfADroppedEventStillAdvancesTheLastEventId() {
        var parser = SSEParser(maxEventBytes: 32)
        let outputs = parser.parse(Array("data: \(String(repeating: "y", count: 100))\nid: after\n\n".utf8))
        #expect(outputs == [.droppedOversizeEvent(.init(type: "message", id: "after", limit: 32))])
        #expect(parser.lastEventID == "after")
    }

    @Test func aLongLineWithoutAnEndingDoesNotGrowMemoryWithoutBound() {
        var parser = SSEParser(maxEventBytes: 1024)
        let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
        #expect(parser.parse(Array("data: ".utf8)).isEmpty)
        for _ in 0..<64 { #expect(parser.parse(chunk).isEmpty) }  // 4 MiB on one line
        #expect(parser.parse(Array("\n\ndata: fine\n\n".utf8)) == [
            .droppedOversizeEvent(.init(type: "message", id: nil, limit: 1024)), message("message", "fine"),
        ])
    }

    @Test func randomBytesNeverBreakTheParserForLaterEvents() {
        var generator = SplitMix64(seed: 0x5E5)
        let alphabet = Array("data:id:event:retry: \r\n\0xyz{}\"".utf8) + [0xEF, 0xBB, 0xBF, 0xFF]
        for round in 0..<300 {
            var parser = SSEParser(maxEventBytes: 40)
            let length = Int(generator.next() % 200)
            var junk: [UInt8] = []
            for _ in 0..<length { junk.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
            for output in parser.parse(junk) {
                if case .event(let event) = output { #expect(!event.type.isEmpty) }
            }
            // Whatever came before, two line feeds close any open line and block.
            _ = parser.parse(Array("\n\n".utf8))
            #expect(parser.parse(Array("event: ok\ndata: {\"round\": \(round)}\n\n".utf8)) == [
                message("ok", ["round": .int(round)], retry: nil)
            ], "round \(round)")
        }
    }
}

/// A small deterministic generator so the random test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
