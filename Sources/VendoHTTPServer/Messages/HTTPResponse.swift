/// A response a responder returns; the server adds `Date`, the framing
/// headers (`Content-Length` or `Transfer-Encoding`) and `Connection`.
public struct HTTPResponse: Sendable {
    /// The status.
    public var status: HTTPStatus
    /// Header fields, written in this order. `Content-Length`,
    /// `Transfer-Encoding` and `Connection` are the server's to set: any given
    /// here are replaced (a `Connection: close` here still closes the
    /// connection after the response). A header whose name is not a token or
    /// whose value holds CR, LF or NUL turns the response into a bare 500.
    public var headers: HTTPHeaders
    /// The body.
    public var body: HTTPResponseBody

    /// A response; by default `200 OK` with no headers and no body.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: HTTPResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `text/plain; charset=utf-8` response.
    public static func text(_ s: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: contentType("text/plain; charset=utf-8"), body: .string(s))
    }

    /// An `application/json` response with `bytes` as its body.
    public static func json(_ bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: contentType("application/json"), body: .bytes(bytes))
    }

    /// A header list holding only `Content-Type`, built from bytes without a
    /// dictionary literal. Built per response on purpose: a shared list has
    /// its reference counts changed by every event loop's thread for every
    /// response (one cache line written from every core); two small
    /// allocations from the loop's own heap arena avoid that.
    /// Spans written directly rather than through `add(name:value:)`, whose
    /// `String` appends measured 346 more instructions per delivery.
    private static func contentType(_ value: StaticString) -> HTTPHeaders {
        let name: StaticString = "Content-Type"
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8CodeUnitCount + value.utf8CodeUnitCount)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        value.withUTF8Buffer { bytes.append(contentsOf: $0) }
        let split = name.utf8CodeUnitCount
        return HTTPHeaders(bytes: bytes, spans: [HTTPHeaders.Span(name: 0..<split, value: split..<bytes.count)])
    }
}

/// The body of a response: fixed bytes, or a stream the handler writes.
public struct HTTPResponseBody: Sendable {
    enum Storage: Sendable {
        case bytes([UInt8])
        case stream(@Sendable (any HTTPBodyWriter) async throws -> Void)
    }

    let storage: Storage

    /// No body (`Content-Length: 0`).
    public static var empty: HTTPResponseBody { HTTPResponseBody(storage: .bytes([])) }

    /// A fixed body, sent with `Content-Length`.
    public static func bytes(_ b: [UInt8]) -> HTTPResponseBody { HTTPResponseBody(storage: .bytes(b)) }

    /// A fixed UTF-8 body, sent with `Content-Length`.
    public static func string(_ s: String) -> HTTPResponseBody { HTTPResponseBody(storage: .bytes(Array(s.utf8))) }

    /// A streamed body: chunked on HTTP/1.1, close-delimited on HTTP/1.0.
    /// Each `write` reaches the socket before it returns (server-sent events
    /// rely on that) and throws `HTTPConnectionError` once the client is gone.
    /// The server watches the connection while `body` runs, also between
    /// writes: when the client closes or resets it, the task running `body`
    /// is cancelled at once (so an idle stream waiting for its next event
    /// ends too) and every later `write` throws.
    /// If `body` throws after the head went out, the connection is closed
    /// without the final chunk, so the client sees a truncated response.
    /// Not run for `HEAD` requests.
    public static func stream(_ body: @escaping @Sendable (any HTTPBodyWriter) async throws -> Void) -> HTTPResponseBody {
        HTTPResponseBody(storage: .stream(body))
    }

    /// The byte count of a fixed body; `nil` for a stream.
    public var count: Int? {
        if case .bytes(let bytes) = storage { return bytes.count }
        return nil
    }
}

/// Where a streaming response body goes.
public protocol HTTPBodyWriter: Sendable {
    /// Sends `bytes` to the client and returns once the kernel has taken them.
    /// Writing nothing is a no-op. Throws `HTTPConnectionError` when the
    /// client is gone (closed or reset the connection, even while no write
    /// was pending) or the write timed out.
    func write(_ bytes: [UInt8]) async throws
}

/// The connection a request came on is gone: the client closed it, it was
/// reset, or the server closed it (timeout, shutdown deadline, framing error).
public struct HTTPConnectionError: Error, Sendable, CustomStringConvertible {
    /// What happened, for logs.
    public let reason: String

    /// Creates the error.
    public init(reason: String) { self.reason = reason }

    /// `"connection closed: <reason>"`.
    public var description: String { "connection closed: \(reason)" }
}
