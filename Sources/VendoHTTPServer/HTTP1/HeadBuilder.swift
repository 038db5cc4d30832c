/// Collects one request's head line by line and, at the empty line, applies
/// the message-level rules: Host, framing (Content-Length /
/// Transfer-Encoding), Expect and Connection.
///
/// Framing headers are interpreted as they arrive, on bytes. A fault that is
/// a 400 whatever follows (a malformed length, a second Host, Content-Length
/// with Transfer-Encoding) is thrown at once, so a client cannot keep a
/// doomed request open; verdicts that a later line could still turn into a
/// 400 (501 for an unsupported coding, 413, 417, a missing Host) wait for the
/// end of the head.
struct HeadBuilder {
    var requestLine: RequestLine?
    /// Where each field sits, relative to the first header line.
    var spans: [HTTPHeaders.Span] = []
    /// Header field lines so far, CRLFs included.
    var headerBytes = 0

    private var hostCount = 0
    private var hostValue = ""
    private var contentLength: Int?
    private var contentLengthText = ""
    private var transferEncoding: TransferEncodingList?
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var expectContinue = false
    private var expectOther = false

    /// Records one validated field line that starts `offset` bytes after the
    /// first header line; throws for faults no later line can fix.
    mutating func add(
        _ line: UnsafeBufferPointer<UInt8>, _ field: HeaderFieldLine, at offset: Int
    ) throws(HTTPParseError) {
        let nameBytes = UnsafeBufferPointer(rebasing: line[field.name])
        let valueBytes = UnsafeBufferPointer(rebasing: line[field.value])
        switch SpecialHeader(nameBytes) {
        case .host:
            hostCount += 1
            guard hostCount == 1 else {
                throw .badRequest("A request must have exactly one Host header")
            }
            guard Authority.isValidHostAndPort(valueBytes, requirePort: false) else {
                throw .badRequest("The Host header must be a valid host[:port]")
            }
            hostValue = String(decoding: valueBytes, as: UTF8.self)
        case .contentLength:
            guard transferEncoding == nil else {
                throw .badRequest("A request must not have both Content-Length and Transfer-Encoding")
            }
            let length = try Framing.parseContentLength(valueBytes).get()
            // Identical repeats are allowed (RFC 9110 §8.6); differing ones
            // (even "5" and "05") are how smuggling attempts look.
            let text = String(decoding: valueBytes, as: UTF8.self)
            if contentLength != nil, text != contentLengthText {
                throw .badRequest("Repeated Content-Length headers must agree")
            }
            contentLength = length
            contentLengthText = text
        case .transferEncoding:
            if requestLine?.version == .http1_0 {
                throw .badRequest("Transfer-Encoding is not allowed in HTTP/1.0 requests")
            }
            guard contentLength == nil else {
                throw .badRequest("A request must not have both Content-Length and Transfer-Encoding")
            }
            let list = Framing.parseTransferEncoding(valueBytes, after: transferEncoding ?? TransferEncodingList())
            if let reason = list.invalidReason {
                throw .badRequest(reason)
            }
            transferEncoding = list
        case .connection:
            Framing.forEachListElement(valueBytes) { token in
                if ASCII.matches(token, lowercase: "close") {
                    connectionClose = true
                } else if ASCII.matches(token, lowercase: "keep-alive") {
                    connectionKeepAlive = true
                }
            }
        case .expect:
            Framing.forEachListElement(valueBytes) { token in
                if ASCII.matches(token, lowercase: "100-continue") {
                    expectContinue = true
                } else {
                    expectOther = true
                }
            }
        case .other:
            break
        }
        if spans.isEmpty {
            spans.reserveCapacity(16)  // one allocation for a typical request instead of four
        }
        spans.append(
            HTTPHeaders.Span(
                name: (offset + field.name.lowerBound)..<(offset + field.name.upperBound),
                value: (offset + field.value.lowerBound)..<(offset + field.value.upperBound)))
    }

    /// Applies the rules that need the whole head, and builds it around
    /// `headerSection`, the header lines as received.
    consuming func finish(limits: HTTPParserLimits, headerSection: [UInt8]) throws(HTTPParseError) -> HTTPRequestHead {
        guard var requestLine = requestLine.take() else {
            preconditionFailure("finish() before the request line was parsed")
        }
        let version = requestLine.version
        // Host (RFC 9112 §3.2): exactly one on 1.1 (repeats were refused as they came).
        if hostCount == 0, version == .http1_1 {
            throw .badRequest("HTTP/1.1 requests must have a Host header")
        }

        let framing: BodyFraming
        switch transferEncoding?.verdict {
        case .chunked?:
            framing = .chunked
        case .unsupported?:
            throw HTTPParseError(status: .notImplemented, reason: "Only the chunked transfer coding is supported")
        case .invalid(let reason)?:
            // Only a list with no chunked at all gets here (e.g. none left
            // after a line); faults inside lines were refused in add().
            throw .badRequest(reason ?? "Transfer-Encoding must end with chunked")
        case nil:
            if let contentLength {
                guard contentLength <= limits.maxBodySize else {
                    throw HTTPParseError(
                        status: .payloadTooLarge,
                        reason: "The request body is larger than the server accepts (\(limits.maxBodySize) bytes)")
                }
                framing = .contentLength(contentLength)
            } else {
                framing = .none
            }
        }

        // Expect is an HTTP/1.1 feature; an HTTP/1.0 server ignores it (RFC 9110 §10.1.1).
        var expectsContinue = false
        if version == .http1_1 {
            if expectOther {
                throw HTTPParseError(
                    status: .expectationFailed, reason: "The only supported expectation is 100-continue")
            }
            expectsContinue = expectContinue
        }

        let keepAlive = version == .http1_1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        // Moved out, not read (see `take(_:leaving:)`): about a dozen
        // retain/release pairs a request.
        let method = take(&requestLine.method, leaving: HTTPMethod(rawValue: ""))
        let raw = take(&requestLine.target.raw, leaving: "")
        let path = take(&requestLine.target.path, leaving: "")
        let query = take(&requestLine.target.query, leaving: nil)
        var authority = take(&requestLine.target.authority, leaving: nil)
        if authority == nil, hostCount == 1 {
            authority = take(&hostValue, leaving: "")
        }
        let spans = take(&self.spans, leaving: [])
        return HTTPRequestHead(
            method: method,
            target: raw,
            path: path,
            query: query,
            version: version,
            headers: HTTPHeaders(bytes: headerSection, spans: spans),
            authority: authority,
            keepAlive: keepAlive,
            expectsContinue: expectsContinue,
            framing: framing
        )
    }
}

/// The header names the parser itself interprets.
enum SpecialHeader {
    case host, contentLength, transferEncoding, connection, expect, other

    @inline(__always)
    init(_ name: UnsafeBufferPointer<UInt8>) {
        switch name.count {
        case 4 where ASCII.matches(name, lowercase: "host"): self = .host
        case 6 where ASCII.matches(name, lowercase: "expect"): self = .expect
        case 10 where ASCII.matches(name, lowercase: "connection"): self = .connection
        case 14 where ASCII.matches(name, lowercase: "content-length"): self = .contentLength
        case 17 where ASCII.matches(name, lowercase: "transfer-encoding"): self = .transferEncoding
        default: self = .other
        }
    }
}
