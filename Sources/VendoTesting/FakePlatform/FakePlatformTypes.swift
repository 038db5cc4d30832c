import Foundation
import Vendo

/// Which endpoint of the fake platform a request hit (for failure injection and filtering).
public enum FakeRoute: String, Sendable, Hashable, CaseIterable {
    /// `GET /credentials/{slug}`.
    case token
    /// `GET /credentials/_bulk?slugs=…`.
    case bulkTokens
    /// `GET /api/deployments/me/connections`.
    case connections
    /// `GET /api/integrations`.
    case integrations
    /// `GET /api/integrations/{slug}`.
    case integration
    /// `GET /api/billing/balance`.
    case balance
    /// `GET /api/billing/spend-caps`.
    case spendCaps
    /// `GET /api/billing/usage`.
    case usage
    /// `POST /data-proxy/v1/execute`.
    case execute
    /// `GET /api/deployments/me/events` (server-sent events).
    case events
    /// `/provider/…`: a stand-in for a provider's own API, for ``AuthorizedSession`` tests.
    case provider
    /// Anything else (answered 404).
    case unknown
}

/// Where an injected error puts its code.
public enum ErrorCodePlacement: Sendable, Hashable {
    /// The `Vendo-Error-Code` header only.
    case header
    /// The body's `error.code` only.
    case body
    /// Both.
    case both
    /// Neither (the SDK should fall back to `internal_error`).
    case none
}

/// A scripted answer that replaces the normal one (see ``FakePlatform/inject(_:into:times:)``).
public struct FakeFailure: Sendable {
    enum Kind: Sendable {
        case response(status: Int, headers: [String: String], body: [UInt8])
        case delay(TimeInterval)
    }

    let kind: Kind

    /// A platform error: `{"error": {"code", "message", …extra}}` with the code placed as asked.
    ///
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - code: the error code; `nil` sends none.
    ///   - message: `error.message`, when given.
    ///   - placement: where the code goes.
    ///   - extra: more members of `error` (`slug`, `connect_url`, `retry_after`, `suggested_fix`).
    ///   - headers: extra response headers (e.g. `Retry-After`).
    public static func error(
        status: Int, code: String?, message: String? = nil, placement: ErrorCodePlacement = .header,
        extra: [String: JSONValue] = [:], headers: [String: String] = [:]
    ) -> FakeFailure {
        var headers = headers
        var error = extra
        if let code, placement == .header || placement == .both { headers["Vendo-Error-Code"] = code }
        if let code, placement == .body || placement == .both { error["code"] = .string(code) }
        if let message { error["message"] = .string(message) }
        headers["Content-Type"] = "application/json"
        return raw(status: status, headers: headers, json: ["error": .object(error)])
    }

    /// Any status, headers and JSON body.
    public static func raw(status: Int, headers: [String: String] = [:], json: JSONValue) -> FakeFailure {
        var headers = headers
        if headers.keys.allSatisfy({ $0.lowercased() != "content-type" }) { headers["Content-Type"] = "application/json" }
        let body = (try? json.jsonData()).map(Array.init) ?? []
        return FakeFailure(kind: .response(status: status, headers: headers, body: body))
    }

    /// Any status, headers and body text.
    public static func raw(status: Int, headers: [String: String] = [:], body: String) -> FakeFailure {
        FakeFailure(kind: .response(status: status, headers: headers, body: Array(body.utf8)))
    }

    /// A body that claims to be JSON and is not.
    public static func malformedJSON(status: Int = 200) -> FakeFailure {
        raw(status: status, headers: ["Content-Type": "application/json"], body: #"{"access_token": "trunc"#)
    }

    /// A 5xx with no code: what a crashed upstream or a load balancer sends.
    public static func serverError(_ status: Int = 503) -> FakeFailure {
        raw(status: status, headers: ["Content-Type": "text/plain"], body: "temporarily unavailable")
    }

    /// Waits, then answers normally (or with the next injected failure).
    public static func delay(_ seconds: TimeInterval) -> FakeFailure {
        FakeFailure(kind: .delay(seconds))
    }
}

/// One request as the fake platform received it.
public struct RecordedRequest: Sendable, Equatable {
    /// The endpoint it hit.
    public var route: FakeRoute
    /// The method, e.g. `GET`.
    public var method: String
    /// The path as sent, percent-encoding kept (e.g. `/credentials/my%20tool`).
    public var path: String
    /// The raw query, without `?`.
    public var query: String?
    /// Header fields in arrival order.
    public var headers: [HeaderField]
    /// The body bytes.
    public var body: [UInt8]

    /// One header field.
    public struct HeaderField: Sendable, Equatable {
        /// The name as sent.
        public var name: String
        /// The value.
        public var value: String
    }

    /// The first value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body parsed as JSON, or `nil`.
    public var json: JSONValue? { body.isEmpty ? nil : try? JSONValue(parsing: Data(body)) }
}
