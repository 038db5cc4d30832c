/// Code that runs around a responder: it may inspect or change the request,
/// answer by itself (e.g. 401), or call `next` and adjust the response.
public protocol HTTPMiddleware: Sendable {
    /// Handles `request`, usually by calling `next.respond(to:)`.
    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse
}

extension HTTPResponder {
    /// This responder with `middleware` around it: requests reach the
    /// middleware first. Wrapping again puts the new middleware outermost.
    public func wrapped(in middleware: any HTTPMiddleware) -> any HTTPResponder {
        MiddlewareResponder(middleware: middleware, next: self)
    }
}

/// One layer of middleware around the responder it calls next.
struct MiddlewareResponder: HTTPResponder {
    let middleware: any HTTPMiddleware
    let next: any HTTPResponder

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        try await middleware.handle(request, next: next)
    }
}
