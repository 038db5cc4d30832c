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
