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
    var skippedEmptyLine = false
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

    /// Unconsumed bytes held: a partial head, body bytes not yet returned,
    /// or pipelined requests. Use it to stop reading when a client sends
    /// far ahead.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Between requests with nothing buffered: the idle (keep-alive) timeout
    /// applies rather than the header timeout.
    public var isIdle: Bool {
        failure == nil && state == .requestLine && !skippedEmptyLine && bufferedByteCount == 0
    }

    /// Some bytes of a new request have arrived but its `.head` has not been
    /// produced yet: the header timeout applies. False while a body is read.
    public var hasStartedRequest: Bool {
        guard failure == nil else { return false }
        switch state {
        case .requestLine: return skippedEmptyLine || bufferedByteCount > 0
        case .headers: return true
        default: return false
        }
    }

    /// The `.head` of the current request was produced and its `.end` not
    /// yet: the body timeout applies.
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
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
        } else {
            return
        }
        scanIndex -= readIndex
        readIndex = 0
    }

    private mutating func step() throws(HTTPParseError) -> HTTPParserEvent? {
        while true {
            switch state {
            case .requestLine:
                try checkMethodPrefix()
                guard let line = try takeLine(maxContent: limits.maxRequestLineLength, kind: .requestLine)
                else { return nil }
                if line.isEmpty {
                    // RFC 9112 §2.2: ignore at least one empty line before a request.
                    guard !skippedEmptyLine else {
                        throw .badRequest("Only one empty line may precede a request line")
                    }
                    skippedEmptyLine = true
                    continue
                }
                let parsed = withLine(line) { bytes throws(HTTPParseError) in try RequestLine.parse(bytes) }
                head.requestLine = try parsed.get()
                state = .headers

            case .headers:
                let remaining = limits.maxHeaderBytes - head.headerBytes
                guard let line = try takeLine(maxContent: max(0, remaining - 2), kind: .header) else {
                    return nil
                }
                if line.isEmpty {
                    let finished = try head.finish(limits: limits)
                    head = HeadBuilder()
                    skippedEmptyLine = false
                    switch finished.framing {
                    case .none, .contentLength(0): state = .messageEnd
                    case .contentLength(let n): state = .contentLengthBody(remaining: n)
                    case .chunked:
                        chunked = ChunkedBodyDecoder()
                        state = .chunkedBody
                    }
                    return .head(finished)
                }
                guard head.headers.count < limits.maxHeaderCount else {
                    throw HTTPParseError(
                        status: .requestHeaderFieldsTooLarge,
                        reason: "The request has more than \(limits.maxHeaderCount) header fields")
                }
                head.headerBytes += line.count + 2
                let added: Result<Void, HTTPParseError> = buffer.withUnsafeBufferPointer { buf in
                    let bytes = UnsafeBufferPointer(rebasing: buf[line])
                    do throws(HTTPParseError) {
                        head.add(bytes, try HeaderFieldLine.parse(bytes))
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
    /// A line whose content would exceed `maxContent` bytes is refused
    /// (throwing `lineTooLong(kind)`) as soon as that is certain, so a client cannot
    /// make the buffer grow; a bare LF ends the request with 400. The length
    /// is checked before anything else so that the verdict is the same
    /// however the bytes were split. A bare CR inside a line is left to the
    /// line's own validation, which rejects every CTL.
    mutating func takeLine(maxContent: Int, kind: LineKind) throws(HTTPParseError) -> Range<Int>? {
        let start = readIndex
        let from = scanIndex
        let end = buffer.count
        let lf: Int? = buffer.withUnsafeBufferPointer { buf in
            guard from < end, let base = buf.baseAddress,
                let p = memchr(base + from, Int32(ASCII.lf), end - from)
            else { return nil }
            return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
        }
        guard let lf else {
            let lastIsCR = end > start && buffer[end - 1] == ASCII.cr
            guard end - start - (lastIsCR ? 1 : 0) <= maxContent else { throw lineTooLong(kind) }
            scanIndex = end
            return nil
        }
        let hasCR = lf > start && buffer[lf - 1] == ASCII.cr
        let contentEnd = hasCR ? lf - 1 : lf
        guard contentEnd - start <= maxContent else { throw lineTooLong(kind) }
        guard hasCR else {
            throw .badRequest("Lines must end with CRLF; found an LF without CR")
        }
        readIndex = lf + 1
        scanIndex = readIndex
        return start..<contentEnd
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
