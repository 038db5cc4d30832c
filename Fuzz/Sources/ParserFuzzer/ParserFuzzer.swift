import VendoHTTPServer

/// libFuzzer entry point: parses the input whole and split into pieces
/// chosen from the input itself, under default and under tiny limits, and
/// traps when any invariant breaks:
/// - the split never changes the events or the error (body parts merged);
/// - a dead parser keeps throwing the same error;
/// - errors carry one of the documented statuses and a non-empty reason;
/// - every request's events are head, body*, end; bodies respect the
///   declared framing and `maxBodySize`; `.body` is never empty.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let tiny = HTTPParserLimits(
        maxRequestLineLength: 64, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodySize: 32,
        maxChunkExtensionBytes: 16)
    for limits in [HTTPParserLimits(), tiny] {
        let whole = run(input, pieces: [input.count], limits: limits)
        let split = run(input, pieces: splitPoints(input), limits: limits)
        guard whole == split else {
            fatalError("split changed the outcome:\n whole: \(whole)\n split: \(split)")
        }
        if input.count <= 256 {
            let bytewise = run(input, pieces: Array(repeating: 1, count: input.count), limits: limits)
            guard whole == bytewise else {
                fatalError("byte-at-a-time changed the outcome:\n whole: \(whole)\n bytes: \(bytewise)")
            }
        }
    }
    return 0
}

/// Events and error (status and reason) must not depend on the split.
struct Outcome: Equatable {
    var events: [HTTPParserEvent] = []
    var error: HTTPParseError?
}

private let allowedStatuses: Set<Int> = [400, 413, 414, 417, 431, 501, 505]

private func run(_ input: [UInt8], pieces: [Int], limits: HTTPParserLimits) -> Outcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = Outcome()
    var offset = 0
    var framing: BodyFraming?
    var bodyCount = 0
    for length in pieces where offset < input.count {
        let end = min(input.count, offset + length)
        input[offset..<end].withUnsafeBytes { parser.append($0) }
        offset = end
        do {
            while let event = try parser.next() {
                switch event {
                case .head(let head):
                    precondition(framing == nil, "head inside a request")
                    framing = head.framing
                    bodyCount = 0
                    if case .contentLength(let n) = head.framing {
                        precondition(n >= 0 && n <= limits.maxBodySize, "declared length beyond the limit")
                    }
                case .body(let bytes):
                    precondition(!bytes.isEmpty, "empty body event")
                    precondition(framing != nil && framing != BodyFraming.none, "body without a body framing")
                    bodyCount += bytes.count
                    precondition(bodyCount <= limits.maxBodySize, "body beyond the limit")
                    if case .contentLength(let n)? = framing { precondition(bodyCount <= n, "body beyond its length") }
                case .end:
                    precondition(framing != nil, "end without head")
                    if case .contentLength(let n)? = framing { precondition(bodyCount == n, "short body") }
                    framing = nil
                }
                if case .body(let new) = event, case .body(let old)? = outcome.events.last {
                    outcome.events[outcome.events.count - 1] = .body(old + new)
                } else {
                    outcome.events.append(event)
                }
            }
        } catch {
            precondition(allowedStatuses.contains(error.status.code), "undocumented status \(error.status.code)")
            precondition(!error.reason.isEmpty, "empty reason")
            do {
                _ = try parser.next()
                preconditionFailure("a dead parser produced an event")
            } catch let again {
                precondition(again == error, "a dead parser changed its error")
            }
            precondition(parser.bufferedByteCount == 0 && !parser.isIdle, "a dead parser holds bytes")
            outcome.error = error
            return outcome
        }
    }
    return outcome
}

/// Piece lengths derived from the input (a tiny xorshift seeded by its
/// bytes), so each input also exercises a reproducible split.
private func splitPoints(_ input: [UInt8]) -> [Int] {
    var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    for b in input.prefix(64) { seed = (seed ^ UInt64(b)) &* 0x100_0000_01B3 }
    var lengths: [Int] = []
    var total = 0
    while total < input.count {
        seed ^= seed << 13
        seed ^= seed >> 7
        seed ^= seed << 17
        let length = Int(seed % 17) + 1
        lengths.append(length)
        total += length
    }
    return lengths
}
