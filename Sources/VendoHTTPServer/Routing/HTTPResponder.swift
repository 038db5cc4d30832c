/// Anything that turns a request into a response: a router, a single
/// handler, or a responder wrapped in middleware.
public protocol HTTPResponder: Sendable {
    /// Answers one request. Throw `HTTPError` for a response with its status;
    /// anything else thrown becomes a bare `500` with no details.
    func respond(to request: HTTPRequest) async throws -> HTTPResponse
}

/// A responder made from a closure.
public struct ClosureResponder: HTTPResponder {
    private let body: @Sendable (HTTPRequest) async throws -> HTTPResponse

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.body = body
    }

    /// Calls the closure.
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        try await body(request)
    }
}
