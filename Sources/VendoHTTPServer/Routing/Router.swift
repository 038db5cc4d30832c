/// Routes requests by method and path to handlers.
///
/// - Exact paths match the request path byte for byte (`/hooks/vendo`).
/// - Prefixes match every path that starts with them (`/static/` matches
///   `/static/app.js`); the longest matching prefix wins, and exact routes
///   win over prefixes.
/// - No path matches: `404`. The path matches but not the method: `405` with
///   an `Allow` header listing the methods that would. Both are thrown as
///   `HTTPError`, so middleware can see and reshape them.
/// - `HEAD` is served by the `GET` route when the path has no `HEAD` route of
///   its own; the server sends the headers and drops the body.
/// - Middleware added with `use` wraps every route, including the 404/405
///   answers; the first added runs outermost.
/// - A router without middleware forwards ``HTTPImmediateResponder``: the
///   server offers it each request whose body is in memory, and it hands the
///   request to the matched route's `respondImmediately(to:)` when that route
///   is an immediate responder (404 and 405 are answered there too). With
///   middleware it answers nothing early: the middleware sees every request.
public struct Router: HTTPResponder {
    /// A route's handler.
    public typealias Handler = @Sendable (HTTPRequest) async throws -> HTTPResponse

    private var table = RouteTable()
    private var middlewares: [any HTTPMiddleware] = []

    /// An empty router: every request gets 404.
    public init() {}

    /// Routes `method` on exactly `path` to `handler`, replacing an earlier route.
    public mutating func on(_ method: HTTPMethod, _ path: String, _ handler: @escaping Handler) {
        on(method, path, responder: ClosureResponder(handler))
    }

    /// Routes `method` on exactly `path` to `responder`, replacing an earlier route.
    public mutating func on(_ method: HTTPMethod, _ path: String, responder: any HTTPResponder) {
        table.exact[path, default: [:]][method] = Route(responder)
    }

    /// Routes `method` on every path starting with `prefix` to `handler`.
    public mutating func on(_ method: HTTPMethod, prefix: String, _ handler: @escaping Handler) {
        on(method, prefix: prefix, responder: ClosureResponder(handler))
    }

    /// Routes `method` on every path starting with `prefix` to `responder`.
    public mutating func on(_ method: HTTPMethod, prefix: String, responder: any HTTPResponder) {
        if let index = table.prefixes.firstIndex(where: { $0.prefix == prefix }) {
            table.prefixes[index].methods[method] = Route(responder)
        } else {
            table.prefixes.append((prefix, [method: Route(responder)]))
            // Longest first, so the most specific prefix is found first.
            table.prefixes.sort { $0.prefix.utf8.count > $1.prefix.utf8.count }
        }
    }

    /// Routes `GET` (and so `HEAD`) on `path`.
    public mutating func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
    /// Routes `POST` on `path`.
    public mutating func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
    /// Routes `PUT` on `path`.
    public mutating func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
    /// Routes `DELETE` on `path`.
    public mutating func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }
    /// Routes `OPTIONS` on `path`.
    public mutating func options(_ path: String, _ handler: @escaping Handler) { on(.options, path, handler) }
    /// Routes `PATCH` on `path`.
    public mutating func patch(_ path: String, _ handler: @escaping Handler) { on(.patch, path, handler) }

    /// Wraps every route (added before or after this call) in `middleware`.
    /// The first middleware added is the outermost.
    public mutating func use(_ middleware: any HTTPMiddleware) {
        middlewares.append(middleware)
    }

    /// Finds the route and runs it inside the middleware.
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        if middlewares.isEmpty {
            return try await table.respond(to: request)
        }
        return try await MiddlewareChain(middlewares: middlewares, index: 0, endpoint: table).respond(to: request)
    }
}

extension Router: HTTPImmediateResponder {
    /// The matched route's immediate answer, when the router has no
    /// middleware and the route is an ``HTTPImmediateResponder``; 404 and 405
    /// as ``respond(to:)`` would give them. `nil` sends the request on to
    /// ``respond(to:)`` (and through it to the route's own).
    public func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        guard middlewares.isEmpty else { return nil }
        switch table.route(for: request) {
        case .success(let route):
            return route.immediate?.respondImmediately(to: &request)
        case .failure(let error):
            return error.response
        }
    }

    /// Whether any route can answer early: without middleware and with at
    /// least one immediate route. A router without one is not offered
    /// requests (the offer would only delay its tasks).
    public var answersImmediately: Bool {
        middlewares.isEmpty && table.hasImmediateRoute
    }
}

/// One route's responder, with its immediate side found once, when the route
/// is added (not cast on every request).
private struct Route: Sendable {
    let responder: any HTTPResponder
    let immediate: (any HTTPImmediateResponder)?

    init(_ responder: any HTTPResponder) {
        self.responder = responder
        self.immediate = responder as? any HTTPImmediateResponder
    }
}

/// The routes themselves, as a responder at the end of the middleware chain.
private struct RouteTable: HTTPResponder {
    var exact: [String: [HTTPMethod: Route]] = [:]
    var prefixes: [(prefix: String, methods: [HTTPMethod: Route])] = []

    /// Whether some route is an ``HTTPImmediateResponder``.
    var hasImmediateRoute: Bool {
        exact.values.contains { $0.values.contains { $0.immediate != nil } }
            || prefixes.contains { $0.methods.values.contains { $0.immediate != nil } }
    }

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        try await route(for: request).get().responder.respond(to: request)
    }

    /// The responder for `request`, or the 404 or 405 (with `Allow`) to answer.
    func route(for request: HTTPRequest) -> Result<Route, HTTPError> {
        let methods: [HTTPMethod: Route]
        if let found = exact[request.path] {
            methods = found
        } else if let found = prefixes.first(where: { request.path.hasPrefix($0.prefix) }) {
            methods = found.methods
        } else {
            return .failure(HTTPError(.notFound))
        }
        if let route = methods[request.method] {
            return .success(route)
        }
        if request.method == .head, let route = methods[.get] {
            return .success(route)
        }
        var allowed = Set(methods.keys.map(\.rawValue))
        if allowed.contains(HTTPMethod.get.rawValue) { allowed.insert(HTTPMethod.head.rawValue) }
        return .failure(HTTPError(.methodNotAllowed, headers: ["Allow": allowed.sorted().joined(separator: ", ")]))
    }
}

/// Middleware `index...` around `endpoint`, built per request without
/// allocating a chain of wrappers up front.
private struct MiddlewareChain: HTTPResponder {
    let middlewares: [any HTTPMiddleware]
    let index: Int
    let endpoint: RouteTable

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        if index == middlewares.count {
            return try await endpoint.respond(to: request)
        }
        let next = MiddlewareChain(middlewares: middlewares, index: index + 1, endpoint: endpoint)
        return try await middlewares[index].handle(request, next: next)
    }
}
