import Foundation

/// One HTTP request as the SDK hands it to an ``HTTPTransport``.
///
/// Headers are final: the SDK has already added authentication, version,
/// idempotency and content-type headers. A transport sends them as given.
public struct TransportRequest: Sendable, Equatable {
    /// The HTTP method, upper-case (`GET`, `POST`, …).
    public var method: String
    /// The absolute URL to call.
    public var url: URL
    /// Header fields to send. Names are as the SDK spells them; HTTP compares them case-insensitively.
    public var headers: [String: String]
    /// The request body, if any.
    public var body: Data?
    /// How long the whole exchange may take, in seconds.
    public var timeout: TimeInterval

    /// Creates a request.
    public init(
        method: String, url: URL, headers: [String: String] = [:], body: Data? = nil,
        timeout: TimeInterval = 30
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// The status line and headers of a response.
public struct TransportResponseHead: Sendable, Equatable {
    /// The HTTP status code.
    public var status: Int
    /// Response header fields. Repeated fields are joined with `", "` as HTTP allows.
    public var headers: [String: String]

    /// Creates a response head.
    public init(status: Int, headers: [String: String] = [:]) {
        self.status = status
        self.headers = headers
    }

    /// The value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// A complete HTTP response: status, headers and the whole body.
public struct TransportResponse: Sendable, Equatable {
    /// The HTTP status code.
    public var status: Int
    /// Response header fields. Repeated fields are joined with `", "` as HTTP allows.
    public var headers: [String: String]
    /// The body bytes.
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The status line and headers alone.
    public var head: TransportResponseHead { TransportResponseHead(status: status, headers: headers) }

    /// The value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? { head.header(name) }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { head.isSuccess }
}

/// A streamed response: the head at once, then the body in chunks as they arrive.
///
/// The server-sent event stream reads its body through this.
public struct TransportStreamResponse: Sendable {
    /// The status line and headers.
    public var head: TransportResponseHead
    /// Body chunks in arrival order; finishes at the end of the body and throws on a network error.
    public var body: AsyncThrowingStream<Data, any Error>

    /// Creates a streamed response.
    public init(head: TransportResponseHead, body: AsyncThrowingStream<Data, any Error>) {
        self.head = head
        self.body = body
    }
}

/// The one thing the SDK needs from an HTTP client: send a request, return the response.
///
/// The SDK uses ``URLSessionTransport`` unless you pass another to
/// `Vendo(transport:)`: a custom client, a proxy, or an in-memory fake for tests.
/// Any status is a response, not an error: throw only when no response arrived
/// (network failure, timeout). The SDK retries thrown errors as network errors
/// and maps non-2xx statuses to ``VendoError`` itself.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the complete response.
    func send(_ request: TransportRequest) async throws -> TransportResponse

    /// Sends `request` and returns the head as soon as it arrives, the body as a stream.
    ///
    /// The default implementation calls ``send(_:)`` and yields the whole body as one chunk,
    /// which is correct but not incremental; ``URLSessionTransport`` streams for real.
    func stream(_ request: TransportRequest) async throws -> TransportStreamResponse
}

extension HTTPTransport {
    /// Sends with ``send(_:)`` and yields the whole body as one chunk.
    public func stream(_ request: TransportRequest) async throws -> TransportStreamResponse {
        let response = try await send(request)
        let body = AsyncThrowingStream<Data, any Error> { continuation in
            if !response.body.isEmpty { continuation.yield(response.body) }
            continuation.finish()
        }
        return TransportStreamResponse(head: response.head, body: body)
    }
}
