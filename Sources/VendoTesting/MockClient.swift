import Foundation
import Vendo

/// An in-memory stand-in for ``Vendo`` in tests: tokens and connections from a
/// list of connections, no network.
///
/// - ``token(_:)`` answers for a connected connection that has a credential,
///   picking `access_token`, else `bot_token`, else `api_key`, else the first
///   value (by key order); otherwise it throws ``VendoError/notConnected(slug:message:)``
///   (`binding_missing`), as the platform would.
/// - ``tokens(_:)`` does the same per slug, with `nil` for a slug without a token.
/// - ``connections`` lists and gets them; ``setError(_:for:)`` makes calls for a
///   slug (or every call, with `nil`) throw instead.
/// - It records the slugs asked for (``tokenRequests``), and conforms to
///   ``ConnectionListing`` so `Reconciler.catalogDefault(client:)` takes it.
///
/// Write the code under test against a protocol both satisfy, or inject the
/// calls as closures; see `docs/events-reconciler-testing.md`.
public final class MockClient: ConnectionListing, Sendable {
    struct State {
        var connections: [Connection]
        var errors: [String: VendoError] = [:]
        var errorForAll: VendoError?
        var tokenRequests: [String] = []
        var invalidated: [String] = []
    }

    let state: LockedState<State>

    /// The mock's connections API: `list()` and `get(slug:)`.
    public let connections: MockConnectionsAPI

    /// A mock serving `connections`; `errors` makes calls for those slugs throw.
    public init(connections: [Connection] = [], errors: [String: VendoError] = [:]) {
        let state = LockedState(State(connections: connections, errors: errors))
        self.state = state
        self.connections = MockConnectionsAPI(state: state)
    }

    /// A mock serving `connections` (the Python SDK's `MockClient.with_connections`).
    public static func withConnections(_ connections: [Connection], errors: [String: VendoError] = [:]) -> MockClient {
        MockClient(connections: connections, errors: errors)
    }

    /// Like a real client in Vendo mode.
    public var isVendoMode: Bool { true }

    /// The token for `slug` (see the type's description for the rules).
    ///
    /// - Throws: the error set for the slug, else ``VendoError/notConnected(slug:message:)``.
    public func token(_ slug: String) async throws -> String {
        try state.withLock { s in
            s.tokenRequests.append(slug)
            return try Self.token(slug, in: s)
        }
    }

    /// Tokens for several slugs; a slug without one maps to `nil`.
    ///
    /// - Throws: an error set with ``setError(_:for:)`` other than `notConnected`.
    public func tokens(_ slugs: [String]) async throws -> [String: String?] {
        try state.withLock { s in
            var result: [String: String?] = [:]
            for slug in slugs {
                s.tokenRequests.append(slug)
                do {
                    result[slug] = .some(try Self.token(slug, in: s))
                } catch VendoError.notConnected {
                    result[slug] = .some(nil)
                }
            }
            return result
        }
    }

    /// Records the slug; the mock has no cache to drop.
    public func invalidate(_ slug: String) async {
        state.withLock { $0.invalidated.append(slug) }
    }

    /// `connections.list()`, for ``ConnectionListing``.
    public func listConnections() async throws -> [Connection] {
        try await connections.list()
    }

    // MARK: Changing the mock

    /// Replaces the connections.
    public func setConnections(_ connections: [Connection]) {
        state.withLock { $0.connections = connections }
    }

    /// Adds a connection, replacing one with the same slug.
    public func upsert(_ connection: Connection) {
        state.withLock { s in
            if let index = s.connections.firstIndex(where: { $0.slug == connection.slug }) {
                s.connections[index] = connection
            } else {
                s.connections.append(connection)
            }
        }
    }

    /// Makes every call about `slug` (or, with `nil`, every call) throw `error`; `nil` error clears it.
    public func setError(_ error: VendoError?, for slug: String?) {
        state.withLock { s in
            if let slug { s.errors[slug] = error } else { s.errorForAll = error }
        }
    }

    // MARK: What was asked

    /// Every slug passed to ``token(_:)`` and ``tokens(_:)``, in order.
    public var tokenRequests: [String] { state.withLock { $0.tokenRequests } }

    /// Every slug passed to ``invalidate(_:)``, in order.
    public var invalidatedSlugs: [String] { state.withLock { $0.invalidated } }

    // MARK: Rules

    static func token(_ slug: String, in state: State) throws -> String {
        if let error = state.errorForAll ?? state.errors[slug] { throw error }
        guard let connection = state.connections.first(where: { $0.slug == slug }), connection.status == .connected,
            let credential = connection.credential, let token = pickToken(credential)
        else {
            throw VendoError.notConnected(
                slug: slug, message: "slug '\(slug)' not connected (binding_missing): add a connected "
                    + "fakeConnection(slug: \"\(slug)\", credential: [\"access_token\": …]) to the MockClient")
        }
        return token
    }

    /// `access_token`, `bot_token`, `api_key`, else the first value by key order.
    public static func pickToken(_ credential: [String: JSONValue]) -> String? {
        for key in ["access_token", "bot_token", "api_key"] {
            if let value = credential[key], let text = text(value) { return text }
        }
        for key in credential.keys.sorted() {
            if let text = text(credential[key]!) { return text }
        }
        return nil
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        case .null, .array, .object: return nil
        }
    }
}

/// ``MockClient/connections``: `list()` and `get(slug:)` over the mock's connections.
public struct MockConnectionsAPI: Sendable {
    let state: LockedState<MockClient.State>

    /// Every connection, in the order given.
    ///
    /// - Throws: the error set for every call (``MockClient/setError(_:for:)`` with `nil`).
    public func list() async throws -> [Connection] {
        try state.withLock { s in
            if let error = s.errorForAll { throw error }
            return s.connections
        }
    }

    /// The connection for `slug`, `nil` when there is none.
    ///
    /// - Throws: the error set for the slug or for every call.
    public func get(slug: String) async throws -> Connection? {
        try state.withLock { s in
            if let error = s.errorForAll ?? s.errors[slug] { throw error }
            return s.connections.first { $0.slug == slug }
        }
    }
}
