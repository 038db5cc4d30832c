import Vendo

/// A connection for tests, with the defaults of Vendo's other SDKs'
/// `fake_connection`: connected, no credential, profile `byok_static`, display
/// name = slug, category `other`.
///
/// ```swift
/// let slack = fakeConnection(slug: "slack", credential: ["bot_token": "xoxb-1"])
/// let client = MockClient.withConnections([slack])
/// #expect(try await client.token("slack") == "xoxb-1")
/// ```
///
/// - Parameters:
///   - slug: the provider slug.
///   - status: default `connected`.
///   - credential: what ``MockClient/token(_:)`` picks the token from; default none.
///   - profile: default `byok_static`.
///   - displayName: default the slug.
///   - category: default `other`.
///   - envBootstrap: what the reconciler's catalogue mapping writes for it; default none.
///   - id: the connection id; default `conn_<slug>`.
public func fakeConnection(
    slug: String,
    status: ConnectionStatus = .connected,
    credential: [String: JSONValue]? = nil,
    profile: ConnectionProfile = "byok_static",
    displayName: String? = nil,
    category: String = "other",
    envBootstrap: EnvBootstrap? = nil,
    id: String? = nil
) -> Connection {
    Connection(
        id: id ?? "conn_\(slug)", slug: slug, displayName: displayName ?? slug, category: category,
        profile: profile, status: status, credential: credential, envBootstrap: envBootstrap)
}
