/// State of a `Transfer-Encoding: chunked` body (RFC 9112 §7.1):
/// `*(chunk-size [ext] CRLF data CRLF) 0 [ext] CRLF *(trailer CRLF) CRLF`.
struct ChunkedBodyDecoder {
    enum State: Equatable {
        case sizeLine
        case data(remaining: Int)
        case dataCRLF
        case trailers
    }

    var state = State.sizeLine
    /// Sum of chunk sizes so far, checked against `maxBodySize`.
    var bodyBytes = 0
    /// Chunk-extension bytes so far, checked against `maxChunkExtensionBytes`.
    var extensionBytes = 0
    var trailerBytes = 0
    var trailerCount = 0

    /// Hex digits a chunk-size line may hold, leading zeros included.
    static let maxSizeDigits = 64

    /// Parses a chunk-size line without its CRLF: returns the size and the
    /// number of extension bytes. Extensions are checked and ignored.
    static func parseSizeLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> (size: Int, extensionBytes: Int) {
        var i = 0
        var size = 0
        while i < line.count, let digit = ASCII.hexValue(line[i]) {
            let (times16, o1) = size.multipliedReportingOverflow(by: 16)
            let (sum, o2) = times16.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw .badRequest("The chunk size is too large to be valid") }
            size = sum
            i += 1
        }
        guard i > 0 else {
            throw .badRequest("A chunk must start with its size in hexadecimal digits")
        }
        guard i <= maxSizeDigits else {
            throw .badRequest("The chunk size has too many digits")
        }
        let extensionBytes = line.count - i
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
        while i < line.count {
            skipWhitespace(line, &i)
            guard i < line.count, line[i] == ASCII.semicolon else {
                throw .badRequest("Only ';' extensions may follow a chunk size")
            }
            i += 1
            skipWhitespace(line, &i)
            let nameStart = i
            while i < line.count, ASCII.isTokenChar(line[i]) { i += 1 }
            guard i > nameStart else {
                throw .badRequest("A chunk extension must have a token name")
            }
            var j = i
            skipWhitespace(line, &j)
            guard j < line.count, line[j] == ASCII.equals else { continue }
            i = j + 1
            skipWhitespace(line, &i)
            if i < line.count, line[i] == ASCII.quote {
                try skipQuotedString(line, &i)
            } else {
                let valueStart = i
                while i < line.count, ASCII.isTokenChar(line[i]) { i += 1 }
                guard i > valueStart else {
                    throw .badRequest("A chunk extension value must be a token or a quoted string")
                }
            }
        }
        return (size, extensionBytes)
    }

    private static func skipWhitespace(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) {
        while i < line.count, ASCII.isWhitespace(line[i]) { i += 1 }
    }

    /// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4).
    private static func skipQuotedString(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(HTTPParseError) {
        i += 1
        while i < line.count {
            let b = line[i]
            if b == ASCII.quote {
                i += 1
                return
            }
            if b == ASCII.backslash {
                guard i + 1 < line.count, ASCII.isFieldValueChar(line[i + 1]) else {
                    throw .badRequest("A chunk extension has an invalid escape in a quoted string")
                }
                i += 2
                continue
            }
            guard ASCII.isFieldValueChar(b) else {
                throw .badRequest("A chunk extension must not contain control characters")
            }
            i += 1
        }
        throw .badRequest("A chunk extension has an unterminated quoted string")
    }
}

extension HTTPRequestParser {
    /// Advances the chunked body: the next data part, the end, or nil.
    mutating func nextChunkedEvent() throws(HTTPParseError) -> HTTPParserEvent? {
        while true {
            switch chunked.state {
            case .sizeLine:
                let allowed = ChunkedBodyDecoder.maxSizeDigits + max(0, limits.maxChunkExtensionBytes - chunked.extensionBytes)
                guard let line = try takeLine(maxContent: allowed, kind: .chunkSize) else { return nil }
                let parsed = try withLine(line) { bytes throws(HTTPParseError) in
                    try ChunkedBodyDecoder.parseSizeLine(bytes)
                }.get()
                chunked.extensionBytes += parsed.extensionBytes
                guard chunked.extensionBytes <= limits.maxChunkExtensionBytes else {
                    throw .badRequest(
                        "Chunk extensions are longer than the server accepts (\(limits.maxChunkExtensionBytes) bytes)")
                }
                if parsed.size == 0 {
                    chunked.state = .trailers
                    continue
                }
                guard parsed.size <= limits.maxBodySize - chunked.bodyBytes else {
                    throw HTTPParseError(
                        status: .payloadTooLarge,
                        reason: "The request body is larger than the server accepts (\(limits.maxBodySize) bytes)")
                }
                chunked.bodyBytes += parsed.size
                chunked.state = .data(remaining: parsed.size)

            case .data(let remaining):
                let available = bufferedByteCount
                guard available > 0 else { return nil }
                let n = min(available, remaining)
                let bytes = Array(buffer[readIndex..<(readIndex + n)])
                readIndex += n
                scanIndex = readIndex
                chunked.state = n == remaining ? .dataCRLF : .data(remaining: remaining - n)
                return .body(bytes)

            case .dataCRLF:
                let available = bufferedByteCount
                guard available > 0 else { return nil }
                guard buffer[readIndex] == ASCII.cr, available < 2 || buffer[readIndex + 1] == ASCII.lf else {
                    throw .badRequest("Chunk data must be followed by CRLF (the chunk size may be wrong)")
                }
                guard available >= 2 else { return nil }
                readIndex += 2
                scanIndex = readIndex
                chunked.state = .sizeLine

            case .trailers:
                let remaining = limits.maxHeaderBytes - chunked.trailerBytes
                guard let line = try takeLine(maxContent: max(0, remaining - 2), kind: .trailer) else {
                    return nil
                }
                if line.isEmpty {
                    // Trailers are validated and dropped: they must never
                    // change framing, Host or anything a handler trusts.
                    chunked = ChunkedBodyDecoder()
                    state = .requestLine
                    return .end
                }
                guard chunked.trailerCount < limits.maxHeaderCount else {
                    throw HTTPParseError(
                        status: .requestHeaderFieldsTooLarge,
                        reason: "The trailer section has more than \(limits.maxHeaderCount) fields")
                }
                chunked.trailerCount += 1
                chunked.trailerBytes += line.count + 2
                _ = try withLine(line) { bytes throws(HTTPParseError) in try HeaderFieldLine.parse(bytes) }.get()
            }
        }
    }
}
