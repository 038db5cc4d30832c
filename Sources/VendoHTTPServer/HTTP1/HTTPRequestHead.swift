/// The request line and header section of one request, after every framing
/// and syntax check passed.
///
/// The parser emits it as `HTTPParserEvent.head`; the connection turns it
/// into an `HTTPRequest` for handlers.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token as sent (case-sensitive).
    public var method: HTTPMethod
    /// The request-target exactly as received on the request line.
    public var target: String
    /// The path part of the target, without the query: for origin-form the
    /// target up to `?`; for absolute-form the path after the authority
    /// (`"/"` when empty); `"*"` for the asterisk-form of `OPTIONS *`; empty
    /// for the authority-form of `CONNECT`.
    public var path: String
    /// The raw query after the first `?`, without it; nil when there is no `?`.
    public var query: String?
    /// The protocol version, `HTTP/1.0` or `HTTP/1.1`.
    public var version: HTTPVersion
    /// The header fields as received, in order, duplicates kept.
    public var headers: HTTPHeaders
    /// The host (and port) the request is for: the authority of an
    /// absolute-form or authority-form target when there is one (it wins over
    /// `Host`, RFC 9112 §3.2.2), otherwise the `Host` field's value; nil only
    /// for an HTTP/1.0 request without `Host`. Userinfo is never included.
    public var authority: String?
    /// Whether the connection may carry another request after this one:
    /// HTTP/1.1 unless `Connection` lists `close`; HTTP/1.0 only when it lists
    /// `keep-alive` (and not `close`). Tokens compare case-insensitively.
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` on HTTP/1.1 and waits
    /// for `100 Continue` before sending the body. Always false on HTTP/1.0,
    /// where `Expect` is ignored.
    public var expectsContinue: Bool
    /// How the body is delimited.
    public var framing: BodyFraming

    /// Creates a head; for tests and in-process use. The parser fills every
    /// field consistently from the wire.
    public init(
        method: HTTPMethod,
        target: String,
        path: String,
        query: String?,
        version: HTTPVersion,
        headers: HTTPHeaders,
        authority: String? = nil,
        keepAlive: Bool = true,
        expectsContinue: Bool = false,
        framing: BodyFraming = .none
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.authority = authority
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.framing = framing
    }
}

/// How a request body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    /// No `Content-Length` and no `Transfer-Encoding`: the body is empty.
    case none
    /// `Content-Length: n` (already checked against `maxBodySize`).
    case contentLength(Int)
    /// `Transfer-Encoding: chunked`; the size is known only at the end.
    case chunked
}

/// What the parser produced from the bytes it was given.
///
/// Per request: exactly one `head`, zero or more `body` parts, then one
/// `end`; the next pipelined request's events follow.
public enum HTTPParserEvent: Sendable, Equatable {
    /// The request line and headers, emitted only after every check on them
    /// passed (so a server may then send `100 Continue`).
    case head(HTTPRequestHead)
    /// Body bytes as they arrived (chunk framing removed); never empty.
    case body([UInt8])
    /// The request is complete.
    case end
}
