import Testing
import VendoHTTPServer

/// What a parser made of some input: its events (consecutive body parts
/// merged, since their split depends on how bytes arrived) and the error
/// that stopped it, if any.
struct ParseOutcome: Equatable, CustomStringConvertible {
    var events: [HTTPParserEvent] = []
    var error: HTTPParseError?

    var heads: [HTTPRequestHead] {
        events.compactMap { if case .head(let h) = $0 { return h } else { return nil } }
    }

    /// Body bytes of each request, in order.
    var bodies: [[UInt8]] {
        var result: [[UInt8]] = []
        var current: [UInt8]?
        for event in events {
            switch event {
            case .head: current = []
            case .body(let b): current?.append(contentsOf: b)
            case .end:
                result.append(current ?? [])
                current = nil
            }
        }
        return result
    }

    var status: Int? { error?.status.code }

    var description: String {
        "events: \(events.map(Self.describe)), error: \(error.map { "\($0)" } ?? "none")"
    }

    static func describe(_ event: HTTPParserEvent) -> String {
        switch event {
        case .head(let h): return "head(\(h.method) \(h.target))"
        case .body(let b): return "body(\(String(decoding: b, as: UTF8.self)))"
        case .end: return "end"
        }
    }

    mutating func record(_ event: HTTPParserEvent) {
        if case .body(let new) = event, case .body(let old)? = events.last {
            events[events.count - 1] = .body(old + new)
        } else {
            events.append(event)
        }
    }
}

/// Feeds `pieces` one after another, draining events after each.
func parse(pieces: [[UInt8]], limits: HTTPParserLimits = .init()) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    for piece in pieces {
        parser.append(piece)
        do {
            while let event = try parser.next() {
                if case .body(let b) = event, b.isEmpty {
                    outcome.events.append(.body([]))  // never expected: makes a test fail visibly
                }
                outcome.record(event)
            }
        } catch {
            outcome.error = error
            return outcome
        }
    }
    return outcome
}

/// Feeds the whole input at once.
func parse(_ raw: String, limits: HTTPParserLimits = .init()) -> ParseOutcome {
    parse(pieces: [Array(raw.utf8)], limits: limits)
}

func parse(bytes: [UInt8], limits: HTTPParserLimits = .init()) -> ParseOutcome {
    parse(pieces: [bytes], limits: limits)
}

/// Feeds the input one byte at a time.
func parseByteByByte(_ bytes: [UInt8], limits: HTTPParserLimits = .init()) -> ParseOutcome {
    parse(pieces: bytes.map { [$0] }, limits: limits)
}

/// Feeds the input in two pieces split at `index`.
func parse(_ bytes: [UInt8], splitAt index: Int, limits: HTTPParserLimits = .init()) -> ParseOutcome {
    parse(pieces: [Array(bytes[..<index]), Array(bytes[index...])], limits: limits)
}

/// The first head of a request that must parse.
func head(_ raw: String, limits: HTTPParserLimits = .init()) -> HTTPRequestHead? {
    parse(raw, limits: limits).heads.first
}

/// The outcome of feeding `bytes` whole, after checking that feeding them
/// one byte at a time and in two pieces at every split point gives exactly
/// the same events and error. Inputs over 2 KiB (limit tests) are split at
/// about 200 evenly spread points instead, so debug-build tests stay fast.
func parseEverySplit(
    _ bytes: [UInt8], limits: HTTPParserLimits = .init(), sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome {
    let whole = parse(bytes: bytes, limits: limits)
    let bytewise = parseByteByByte(bytes, limits: limits)
    #expect(bytewise == whole, "byte at a time differs from whole", sourceLocation: sourceLocation)
    let stride = bytes.count <= 2048 ? 1 : bytes.count / 200
    for index in Swift.stride(from: 0, through: bytes.count, by: stride) {
        let split = parse(bytes, splitAt: index, limits: limits)
        if split != whole {
            Issue.record("split at \(index) differs: \(split) vs whole \(whole)", sourceLocation: sourceLocation)
            break
        }
    }
    return whole
}

func parseEverySplit(
    _ raw: String, limits: HTTPParserLimits = .init(), sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome {
    parseEverySplit(Array(raw.utf8), limits: limits, sourceLocation: sourceLocation)
}

/// Expects `raw` to be refused with `status`, however it is split. Unless
/// `afterHead` (an error in the body), no head may have been emitted for
/// the refused request.
@discardableResult
func expectRejected(
    _ raw: String, _ status: Int, afterHead: Bool = false, limits: HTTPParserLimits = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome {
    expectRejected(bytes: Array(raw.utf8), status, afterHead: afterHead, limits: limits, sourceLocation: sourceLocation)
}

@discardableResult
func expectRejected(
    bytes: [UInt8], _ status: Int, afterHead: Bool = false, limits: HTTPParserLimits = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) -> ParseOutcome {
    let outcome = parseEverySplit(bytes, limits: limits, sourceLocation: sourceLocation)
    #expect(outcome.status == status, "\(outcome)", sourceLocation: sourceLocation)
    if afterHead {
        let lastHead = outcome.events.lastIndex { if case .head = $0 { true } else { false } }
        #expect(lastHead != nil && !outcome.events[lastHead!...].contains(.end), "\(outcome)",
            sourceLocation: sourceLocation)
    } else {
        #expect(outcome.heads.isEmpty || outcome.events.last == .end, "a head was emitted for a refused request",
            sourceLocation: sourceLocation)
    }
    if let reason = outcome.error?.reason {
        #expect(!reason.isEmpty, sourceLocation: sourceLocation)
    }
    return outcome
}

/// Expects `raw` to parse as exactly one complete request and returns its head.
@discardableResult
func expectAccepted(
    _ raw: String, limits: HTTPParserLimits = .init(), sourceLocation: SourceLocation = #_sourceLocation
) -> HTTPRequestHead? {
    let outcome = parseEverySplit(raw, limits: limits, sourceLocation: sourceLocation)
    #expect(outcome.error == nil, "\(outcome)", sourceLocation: sourceLocation)
    #expect(outcome.heads.count == 1, "\(outcome)", sourceLocation: sourceLocation)
    #expect(outcome.events.last == .end, "\(outcome)", sourceLocation: sourceLocation)
    return outcome.heads.first
}

/// A minimal valid HTTP/1.1 request with `headerLines` (each ending in \r\n) added.
func request(_ headerLines: String = "", method: String = "GET", target: String = "/", body: String = "") -> String {
    "\(method) \(target) HTTP/1.1\r\nHost: example.com\r\n\(headerLines)\r\n\(body)"
}

/// Calls `next()` until it needs more bytes or throws; returns the error.
func drainError(_ parser: inout HTTPRequestParser) -> HTTPParseError? {
    do {
        while try parser.next() != nil {}
        return nil
    } catch {
        return error
    }
}
