#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The low-level incremental HTTP/1.1 request parser: strict, fail-closed,
/// and independent of sockets.
///
/// Feed it bytes as they arrive, in any split, with `append`, then call
/// `next()` until it returns nil (it needs more bytes). Per request it
/// produces one `.head`, zero or more `.body` parts and one `.end`; bytes of
/// a pipelined next request stay buffered and produce that request's events.
///
/// Any error is fatal: the connection must answer `error.status` with
/// `Connection: close` (unless a response has started) and close, never try
/// to resync. After an error the parser drops input and `next()` keeps
/// throwing the same error.
///
/// It works on bytes and builds Strings only for the method, target and
/// header names and values; its buffer is compacted as requests are
/// consumed, so a long keep-alive connection does not grow it.
///
/// `next()` uses typed throws: it only ever throws `HTTPParseError`.
public struct HTTPRequestParser: Sendable {
    enum State: Equatable {
        case requestLine
        case headers
        case contentLengthBody(remaining: Int)
        case chunkedBody
        case messageEnd
    }

    /// The limits this parser enforces.
    public let limits: HTTPParserLimits

    var buffer: [UInt8] = []
    /// First byte not yet consumed.
    var readIndex = 0
    /// Bytes in `readIndex..<scanIndex` belong to an unfinished line and hold
    /// no LF, so a resumed search for the line end starts here.
    var scanIndex = 0
    var state = State.requestLine
    var failure: HTTPParseError?
    var head = HeadBuilder()
    /// Where the current request's first header line starts in `buffer`.
    var headStart = 0
    /// Bytes of empty lines skipped before the current request line.
    var emptyLineBytes = 0
    var chunked = ChunkedBodyDecoder()

    /// Creates a parser enforcing `limits`.
    public init(limits: HTTPParserLimits = .init()) {
        self.limits = limits
    }

    /// Adds bytes received from the client.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        compact()
        buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    /// Adds bytes received from the client.
    public mutating func append(_ bytes: [UInt8]) {
        guard failure == nil, !bytes.isEmpty else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// The next event, or nil when more bytes are needed.
    ///
    /// Throws `HTTPParseError` when the input is not acceptable; the parser
    /// is then dead and throws the same error on every later call.
    public mutating func next() throws(HTTPParseError) -> HTTPParserEvent? {
        if let failure { throw failure }
        do throws(HTTPParseError) {
            return try step()
        } catch {
            fail(error)
            throw error
        }
    }

    /// Takes the current request's whole body when it has a `Content-Length`
    /// and every byte of it is already buffered, and ends the request: no
    /// `.body` or `.end` event follows for it. `nil`, and nothing changes,
    /// in any other state.
    ///
    /// Small requests usually arrive with their body in the same read as the
    /// head; handing them over in one piece spares the connection a body stream.
    mutating func takeBufferedBody() -> [UInt8]? {
        guard failure == nil, case .contentLengthBody(let remaining) = state, bufferedByteCount >= remaining else {
            return nil
        }
        let bytes = Array(buffer[readIndex..<(readIndex + remaining)])
        readIndex += remaining
        scanIndex = readIndex
        state = .requestLine
        return bytes
    }

    /// Unconsumed bytes held: a partial head, body bytes not yet returned,
    /// or pipelined requests. Use it to stop reading when a client sends
    /// far ahead.
    @inline(__always)
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Between requests with nothing buffered: the idle (keep-alive) timeout
    /// applies rather than the header timeout.
    @inline(__always)
    public var isIdle: Bool {
        failure == nil && state == .requestLine && emptyLineBytes == 0 && bufferedByteCount == 0
    }

    /// Some bytes of a new request have arrived but its `.head` has not been
    /// produced yet: the header timeout applies. False while a body is read.
    @inline(__always)
    public var hasStartedRequest: Bool {
        guard failure == nil else { return false }
        switch state {
        case .requestLine: return emptyLineBytes > 0 || bufferedByteCount > 0
        case .headers: return true
        default: return false
        }
    }

    /// The `.head` of the current request was produced and its `.end` not
    /// yet: the body timeout applies.
    @inline(__always)
    public var isReadingBody: Bool {
        guard failure == nil else { return false }
        switch state {
        case .contentLengthBody, .chunkedBody, .messageEnd: return true
        default: return false
        }
    }

    private mutating func fail(_ error: HTTPParseError) {
        failure = error
        buffer = []
        readIndex = 0
        scanIndex = 0
    }

    /// Drops consumed bytes once they make up half the buffer, so memory
    /// follows the unconsumed bytes and copying stays amortised O(1) a byte.
    /// While headers are read, their lines stay buffered (from `headStart`)
    /// so the head can copy them in one piece.
    private mutating func compact() {
        let keepFrom = state == .headers ? headStart : readIndex
        guard keepFrom > 0 else { return }
        if keepFrom == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if keepFrom >= buffer.count / 2 {
            buffer.removeSubrange(0..<keepFrom)
        } else {
            return
        }
        scanIndex -= keepFrom
        readIndex -= keepFrom
        headStart -= keepFrom
    }

    private mutating func step() throws(HTTPParseError) -> HTTPParserEvent? {
        while true {
            switch state {
            case .requestLine:
                try checkMethodPrefix()
                guard let line = try takeLine(maxContent: limits.maxRequestLineLength, kind: .requestLine)
                else { return nil }
                if line.isEmpty {
                    // RFC 9112 §2.2: ignore at least one empty line before a
                    // request. Several are tolerated (some clients send CRLF
                    // after a body), within the request-line budget.
                    emptyLineBytes += 2
                    guard emptyLineBytes <= limits.maxRequestLineLength else {
                        throw .badRequest("Too many empty lines before the request line")
                    }
                    continue
                }
                let policy = limits.fragmentPolicy  // read outside: the closure reading `self` made a copy of the parser
                let parsed = withLine(line) { bytes throws(HTTPParseError) in try RequestLine.parse(bytes, fragmentPolicy: policy) }
                head.requestLine = try parsed.get()
                headStart = readIndex
                state = .headers

            case .headers:
                try checkNoLeadingWhitespace()
                let remaining = limits.maxHeaderBytes - head.headerBytes
                guard let line = try takeLine(maxContent: max(0, remaining - 2), kind: .header) else {
                    return nil
                }
                if line.isEmpty {
                    let section = Array(buffer[headStart..<line.lowerBound])
                    // Taken out and consumed: the head's strings move on
                    // instead of being copied and then released here.
                    let builder = take(&head, leaving: HeadBuilder())
                    let finished = try builder.finish(limits: limits, headerSection: section)
                    emptyLineBytes = 0
                    switch finished.framing {
                    case .none, .contentLength(0): state = .messageEnd
                    case .contentLength(let n): state = .contentLengthBody(remaining: n)
                    case .chunked:
                        chunked = ChunkedBodyDecoder()
                        state = .chunkedBody
                    }
                    return .head(finished)
                }
                guard head.spans.count < limits.maxHeaderCount else {
                    throw HTTPParseError(
                        status: .requestHeaderFieldsTooLarge,
                        reason: "The request has more than \(limits.maxHeaderCount) header fields")
                }
                head.headerBytes += line.count + 2
                let added: Result<Void, HTTPParseError> = buffer.withUnsafeBufferPointer { buf in
                    let bytes = UnsafeBufferPointer(rebasing: buf[line])
                    do throws(HTTPParseError) {
                        try head.add(bytes, try HeaderFieldLine.parse(bytes), at: line.lowerBound - headStart)
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
                try added.get()

            case .contentLengthBody(let remaining):
                let available = bufferedByteCount
                guard available > 0 else { return nil }
                let n = min(available, remaining)
                let bytes = Array(buffer[readIndex..<(readIndex + n)])
                readIndex += n
                scanIndex = readIndex
                state = n == remaining ? .messageEnd : .contentLengthBody(remaining: remaining - n)
                return .body(bytes)

            case .chunkedBody:
                return try nextChunkedEvent()

            case .messageEnd:
                state = .requestLine
                return .end
            }
        }
    }

    /// Which line `takeLine` reads, for the error when it is too long.
    enum LineKind {
        case requestLine, header, chunkSize, trailer
    }

    /// Built only when thrown: the hot path must not format strings.
    func lineTooLong(_ kind: LineKind) -> HTTPParseError {
        switch kind {
        case .requestLine:
            return HTTPParseError(
                status: .uriTooLong,
                reason: "The request line is longer than the server accepts (\(limits.maxRequestLineLength) bytes)")
        case .header:
            return HTTPParseError(
                status: .requestHeaderFieldsTooLarge,
                reason: "The header section is larger than the server accepts (\(limits.maxHeaderBytes) bytes)")
        case .trailer:
            return HTTPParseError(
                status: .requestHeaderFieldsTooLarge,
                reason: "The trailer section is larger than the server accepts (\(limits.maxHeaderBytes) bytes)")
        case .chunkSize:
            return .badRequest("A chunk-size line is too long (chunk extensions are limited)")
        }
    }

    /// Runs `body` on the bytes of a line taken by `takeLine`.
    func withLine<R>(
        _ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> R
    ) -> Result<R, HTTPParseError> {
        buffer.withUnsafeBufferPointer { buf in
            do throws(HTTPParseError) {
                return .success(try body(UnsafeBufferPointer(rebasing: buf[range])))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Consumes the next CRLF-terminated line and returns the range of its
    /// content (without CRLF), or nil when it is incomplete.
    ///
    /// Refuses a bare CR or bare LF (400) and a line whose content would
    /// exceed `maxContent` bytes (`lineTooLong(kind)`) as soon as either is
    /// certain, so a client can neither smuggle line breaks nor make the
    /// buffer grow. When several faults are in reach, the one a byte-by-byte
    /// reader would have met first wins, so the verdict never depends on how
    /// the bytes were split.
    mutating func takeLine(maxContent: Int, kind: LineKind) throws(HTTPParseError) -> Range<Int>? {
        let start = readIndex
        let from = scanIndex
        let end = buffer.count
        let (lf, cr): (Int?, Int?) = buffer.withUnsafeBufferPointer { buf in
            guard from < end, let base = buf.baseAddress else { return (nil, nil) }
            let lf = memchr(base + from, Int32(ASCII.lf), end - from).map {
                base.distance(to: $0.assumingMemoryBound(to: UInt8.self))
            }
            let cr = memchr(base + from, Int32(ASCII.cr), (lf ?? end) - from).map {
                base.distance(to: $0.assumingMemoryBound(to: UInt8.self))
            }
            return (lf, cr)
        }
        // Where a byte-by-byte reader detects each fault: as a prefix length.
        let lineEnd = lf ?? end
        // A CR just before the line end is (or may become) the CRLF's CR.
        let endsWithCR = lineEnd > start && buffer[lineEnd - 1] == ASCII.cr
        let contentEnd = endsWithCR ? lineEnd - 1 : lineEnd
        var bareCRAt: Int?
        if let cr, cr < contentEnd {
            bareCRAt = cr - start + 2  // known once the byte after it arrived
        }
        var tooLongAt: Int?
        if contentEnd - start > maxContent {
            // Content grows past the limit with byte `maxContent`, unless
            // that byte is a CR that may still be part of the CRLF.
            tooLongAt = maxContent + 1 + (buffer[start + maxContent] == ASCII.cr ? 1 : 0)
        }
        switch (bareCRAt, tooLongAt) {
        case (let c?, let t?):
            throw c <= t ? .badRequest("Lines must end with CRLF; found a CR without LF") : lineTooLong(kind)
        case (_?, nil):
            throw .badRequest("Lines must end with CRLF; found a CR without LF")
        case (nil, _?):
            throw lineTooLong(kind)
        case (nil, nil):
            break
        }
        guard let lf else {
            // Resume after what was scanned; a trailing CR is looked at again.
            scanIndex = end > start && buffer[end - 1] == ASCII.cr ? end - 1 : end
            return nil
        }
        guard endsWithCR else {
            throw .badRequest("Lines must end with CRLF; found an LF without CR")
        }
        readIndex = lf + 1
        scanIndex = readIndex
        return start..<contentEnd
    }

    /// Refuses a header or trailer line that starts with whitespace (obs-fold,
    /// or whitespace before the first header) from its first byte. Runs
    /// before the line scan so the verdict does not depend on the split.
    func checkNoLeadingWhitespace() throws(HTTPParseError) {
        if readIndex < buffer.count, ASCII.isWhitespace(buffer[readIndex]) {
            throw HeaderFieldLine.leadingWhitespace
        }
    }

    /// Fails fast on bytes that cannot start an HTTP request (binary
    /// garbage, a TLS ClientHello) instead of waiting for a line end. Runs
    /// before the line scan so the verdict does not depend on how the bytes
    /// were split.
    private func checkMethodPrefix() throws(HTTPParseError) {
        let start = readIndex
        let end = min(buffer.count, start + min(32, limits.maxRequestLineLength))
        guard start < end else { return }
        for i in start..<end {
            let b = buffer[i]
            if b == ASCII.sp { return }
            if i == start, b == ASCII.cr { return }  // a possible empty line
            guard ASCII.isTokenChar(b) else {
                throw .badRequest("This is not an HTTP/1.1 request (TLS or binary data on a plain HTTP port?)")
            }
        }
    }
}
