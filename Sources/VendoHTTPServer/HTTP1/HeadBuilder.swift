/// Collects one request's head line by line and, at the empty line, applies
/// the message-level rules: Host, framing (Content-Length /
/// Transfer-Encoding), Expect and Connection.
///
/// Framing headers are interpreted as they arrive, on bytes, so no second
/// pass over the header list is needed; the verdicts are applied in a fixed
/// order at `finish` so that a 501 or 413 never hides a 400.
struct HeadBuilder {
    var requestLine: RequestLine?
    var headers = HTTPHeaders()
    /// Header field lines so far, CRLFs included.
    var headerBytes = 0

    private var hostCount = 0
    private var hostValid = true
    private var hostValue = ""
    private var contentLengthCount = 0
    private var contentLength: Result<Int, HTTPParseError>?
    private var contentLengthsDiffer = false
    private var transferEncodingCount = 0
    private var transferEncoding: TransferEncodingVerdict?
    private var connectionClose = false
    private var connectionKeepAlive = false
    private var expectContinue = false
    private var expectOther = false

    /// Records one validated field line.
    mutating func add(_ line: UnsafeBufferPointer<UInt8>, _ field: HeaderFieldLine) {
        let nameBytes = UnsafeBufferPointer(rebasing: line[field.name])
        let valueBytes = UnsafeBufferPointer(rebasing: line[field.value])
        let name = String(decoding: nameBytes, as: UTF8.self)
        let value = String(decoding: valueBytes, as: UTF8.self)
        switch SpecialHeader(nameBytes) {
        case .host:
            hostCount += 1
            if hostCount == 1 {
                hostValid = Authority.isValidHostAndPort(valueBytes, requirePort: false)
                hostValue = value
            }
        case .contentLength:
            contentLengthCount += 1
            if contentLengthCount == 1 {
                contentLength = Framing.parseContentLength(valueBytes)
            } else if let first = headers.values(for: "content-length").first, first != value {
                contentLengthsDiffer = true
            }
        case .transferEncoding:
            transferEncodingCount += 1
            if transferEncodingCount == 1 {
                transferEncoding = Framing.parseTransferEncoding(valueBytes)
            }
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
        if headers.isEmpty {
            headers.reserveCapacity(16)  // one allocation for a typical request instead of four
        }
        headers.add(name: name, value: value)
    }

    /// Applies the message-level rules and builds the head.
    func finish(limits: HTTPParserLimits) throws(HTTPParseError) -> HTTPRequestHead {
        guard let requestLine else {
            preconditionFailure("finish() before the request line was parsed")
        }
        let version = requestLine.version
        // Host (RFC 9112 §3.2): exactly one on 1.1; at most one on 1.0.
        if hostCount == 0, version == .http1_1 {
            throw .badRequest("HTTP/1.1 requests must have a Host header")
        }
        if hostCount > 1 {
            throw .badRequest("A request must have exactly one Host header")
        }
        if hostCount == 1, !hostValid {
            throw .badRequest("The Host header must be a valid host[:port]")
        }

        let framing: BodyFraming
        if transferEncodingCount > 0 {
            if version == .http1_0 {
                throw .badRequest("Transfer-Encoding is not allowed in HTTP/1.0 requests")
            }
            if contentLengthCount > 0 {
                throw .badRequest("A request must not have both Content-Length and Transfer-Encoding")
            }
            if transferEncodingCount > 1 {
                throw .badRequest("A request must have at most one Transfer-Encoding header line")
            }
            switch transferEncoding {
            case .chunked?:
                framing = .chunked
            case .unsupported?:
                throw HTTPParseError(
                    status: .notImplemented, reason: "Only the chunked transfer coding is supported")
            case .invalid(let reason)?:
                throw .badRequest(reason ?? "Transfer-Encoding must be chunked")
            case nil:
                throw .badRequest("Transfer-Encoding must be chunked")
            }
        } else if let contentLength {
            if contentLengthsDiffer {
                throw .badRequest("Repeated Content-Length headers must agree")
            }
            let length = try contentLength.get()
            if length > limits.maxBodySize {
                throw HTTPParseError(
                    status: .payloadTooLarge,
                    reason: "The request body is larger than the server accepts (\(limits.maxBodySize) bytes)")
            }
            framing = .contentLength(length)
        } else {
            framing = .none
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
        let target = requestLine.target
        return HTTPRequestHead(
            method: requestLine.method,
            target: target.raw,
            path: target.path,
            query: target.query,
            version: version,
            headers: headers,
            authority: target.authority ?? (hostCount == 1 ? hostValue : nil),
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
