import Foundation
import Vendo
import VendoHTTPServer

extension FakePlatform {
    /// Records the request, applies pauses, latency and injected failures, then answers as the platform would.
    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        let body = try await request.body.collect(upTo: 1 << 20)
        let route = Self.route(method: request.method.rawValue, path: request.path)
        state.record(RecordedRequest(
            route: route, method: request.method.rawValue, path: request.path, query: request.query,
            headers: request.headers.map { RecordedRequest.HeaderField(name: $0.name, value: $0.value) }, body: body))

        await state.passGate(route)
        if let latency = state.withLock({ $0.latency[route] }) { try await Self.sleep(latency) }
        while let failure = state.withLock({ s -> FakeFailure? in
            guard var queue = s.failures[route], !queue.isEmpty else { return nil }
            let next = queue.removeFirst()
            s.failures[route] = queue
            return next
        }) {
            switch failure.kind {
            case .delay(let seconds):
                try await Self.sleep(seconds)
            case .response(let status, let headers, let bytes):
                return Self.response(status: status, headers: headers, body: bytes)
            }
        }
        if route == .events { return events(request) }
        return answer(route: route, request: request, body: body)
    }

    static func route(method: String, path: String) -> FakeRoute {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch (method, parts.first) {
        case ("GET", "credentials") where parts.count == 2:
            return parts[1] == "_bulk" ? .bulkTokens : .token
        case ("POST", "data-proxy") where parts == ["data-proxy", "v1", "execute"]:
            return .execute
        case (_, "provider"):
            return .provider
        case ("GET", "api"):
            switch Array(parts.dropFirst()) {
            case ["deployments", "me", "connections"]: return .connections
            case ["deployments", "me", "events"]: return .events
            case ["integrations"]: return .integrations
            case let rest where rest.count == 2 && rest[0] == "integrations": return .integration
            case ["billing", "balance"]: return .balance
            case ["billing", "spend-caps"]: return .spendCaps
            case ["billing", "usage"]: return .usage
            default: return .unknown
            }
        default:
            return .unknown
        }
    }

    private func answer(route: FakeRoute, request: HTTPRequest, body: [UInt8]) -> HTTPResponse {
        if route == .provider { return provider(request) }
        if route != .integrations, route != .integration, route != .unknown, let denied = authenticate(request) {
            return denied
        }
        let user = request.headers["X-Vendo-User-JWT"]
        let parts = request.path.split(separator: "/").map(String.init)
        switch route {
        case .token:
            let slug = parts[1].removingPercentEncoding ?? parts[1]
            guard let entry = state.withLock({ $0.tokens[.init(userJWT: user, slug: slug)] }) else {
                return Self.response(
                    status: 404, headers: ["Vendo-Error-Code": "binding_missing"],
                    json: ["error": "binding_missing", "detail": .string("No connection for \(slug)")])
            }
            return Self.response(json: Self.tokenJSON(entry))
        case .bulkTokens:
            let slugs = request.queryItems().first { $0.name == "slugs" }?.value
                .split(separator: ",").map(String.init) ?? []
            let tokens = state.withLock { s in
                Dictionary(slugs.map { slug in
                    (slug, s.tokens[.init(userJWT: user, slug: slug)].map(Self.tokenJSON) ?? .null)
                }, uniquingKeysWith: { first, _ in first })
            }
            return Self.response(json: ["tokens": .object(tokens)])
        case .connections:
            let list = state.withLock { $0.connections[user] ?? [] }
            return Self.response(json: ["connections": .array(list.map(Self.wire))])
        case .integrations:
            let (list, bare) = state.withLock { ($0.integrations, $0.integrationsAsBareArray) }
            let items = JSONValue.array(list.map(Self.wire))
            return Self.response(json: bare ? items : ["integrations": items])
        case .integration:
            let slug = parts[2].removingPercentEncoding ?? parts[2]
            guard let found = state.withLock({ $0.integrations.first { $0.slug == slug } }) else {
                return Self.response(
                    status: 404, headers: ["Vendo-Error-Code": "provider_unknown"],
                    json: ["error": ["code": "provider_unknown", "message": .string("No integration \(slug)")]])
            }
            return Self.response(json: Self.wire(found))
        case .balance:
            return Self.response(json: Self.wire(state.withLock { $0.balance }))
        case .spendCaps:
            return Self.response(json: Self.wire(state.withLock { $0.spendCaps }))
        case .usage:
            let period = request.queryItems().first { $0.name == "period" }?.value ?? "month"
            let usage = state.withLock { $0.usage[period] } ?? ["period": .string(period), "items": []]
            return Self.response(json: usage)
        case .execute:
            return execute(body)
        case .provider, .unknown, .events:
            return Self.response(
                status: 404, json: ["error": ["code": "not_found", "message": .string("No route \(request.path)")]])
        }
    }

    /// The live stream: the platform's key check first, as on every platform
    /// route, then ``FakePlatform/eventStream`` holds the response open.
    private func events(_ request: HTTPRequest) -> HTTPResponse {
        if let denied = authenticate(request) { return denied }
        // Once stop() has begun, a reconnecting client must not open a stream the shutdown would wait for.
        if state.withLock({ $0.stopping }) {
            return Self.response(
                status: 503, json: ["error": ["code": "internal_error", "message": "The fake platform is stopping"]])
        }
        return eventStream.respond(to: request)
    }

    private func authenticate(_ request: HTTPRequest) -> HTTPResponse? {
        let header = request.headers["Authorization"] ?? ""
        let key = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        let accepted = state.withLock { $0.acceptedAPIKeys }
        if key.isEmpty || (accepted.map { !$0.contains(key) } ?? false) {
            return Self.response(
                status: 401, headers: ["Vendo-Error-Code": "app_unknown"],
                json: ["error": ["code": "app_unknown", "message": "Unknown API key"]])
        }
        return nil
    }

    private func execute(_ body: [UInt8]) -> HTTPResponse {
        guard let json = try? JSONValue(parsing: Data(body)), let action = json["action_id"]?.stringValue else {
            return Self.response(status: 400, json: ["error": "Body must be {\"action_id\", \"args\"}"])
        }
        let (scripted, result) = state.withLock { ($0.actions[action], $0.actionResults[action]) }
        if let scripted, case .response(let status, let headers, let bytes) = scripted.kind {
            return Self.response(status: status, headers: headers, body: bytes)
        }
        if let result { return Self.response(json: ["data": result]) }
        return Self.response(status: 400, json: ["error": .string("Action \(action) not found")])
    }

    private func provider(_ request: HTTPRequest) -> HTTPResponse {
        let authorization = request.headers["Authorization"] ?? ""
        let expected = state.withLock { $0.providerToken }.map { "Bearer \($0)" }
        let status = expected == nil || expected == authorization ? 200 : 401
        return Self.response(
            status: status,
            json: ["authorization": .string(authorization), "path": .string(request.path),
                   "method": .string(request.method.rawValue)])
    }

    // MARK: Encoding

    static func tokenJSON(_ entry: FakePlatformState.TokenEntry) -> JSONValue {
        ["access_token": .string(entry.token), "expires_at": entry.expiresAt.map(JSONValue.string) ?? .null,
         "token_type": "Bearer"]
    }

    static func wire<T: Encodable>(_ value: T) -> JSONValue {
        guard let data = try? JSONEncoder().encode(value), let json = try? JSONValue(parsing: data) else { return .null }
        return json
    }

    static func response(status: Int = 200, headers: [String: String] = [:], json: JSONValue) -> HTTPResponse {
        var headers = headers
        headers["Content-Type"] = "application/json"
        return response(status: status, headers: headers, body: (try? json.jsonData()).map(Array.init) ?? [])
    }

    static func response(status: Int, headers: [String: String], body: [UInt8]) -> HTTPResponse {
        HTTPResponse(
            status: HTTPStatus(code: status),
            headers: HTTPHeaders(headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }),
            body: .bytes(body))
    }

    static func sleep(_ seconds: TimeInterval) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }
}
