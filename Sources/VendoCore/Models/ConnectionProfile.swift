/// How a connection's credential is managed. An open set: profiles the SDK
/// does not know yet decode too and keep their raw string.
///
/// Compare with the constants or with a string literal, as with ``ConnectionStatus``.
public struct ConnectionProfile: RawRepresentable, Hashable, Sendable, Codable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    /// The wire string.
    public let rawValue: String

    /// Wraps any profile string.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Wraps a profile string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Vendo lends a credential from its own pool.
    public static let vendoManagedPool = ConnectionProfile(rawValue: "vendo_managed_pool")
    /// A static key the tenant brought (BYOK).
    public static let byokStatic = ConnectionProfile(rawValue: "byok_static")
    /// A user's OAuth grant.
    public static let userOAuth = ConnectionProfile(rawValue: "user_oauth")
    /// An OAuth app installed into a workspace.
    public static let oauthAppInstall = ConnectionProfile(rawValue: "oauth_app_install")
    /// Inbound webhooks only.
    public static let webhookInbound = ConnectionProfile(rawValue: "webhook_inbound")
    /// Actions through Vendo's Composio proxy.
    public static let composioManaged = ConnectionProfile(rawValue: "composio_managed")

    /// Every profile this SDK version knows.
    public static let known: [ConnectionProfile] = [
        .vendoManagedPool, .byokStatic, .userOAuth, .oauthAppInstall, .webhookInbound,
        .composioManaged,
    ]

    /// Whether this SDK version knows the profile.
    public var isKnown: Bool { Self.known.contains(self) }

    /// The wire string.
    public var description: String { rawValue }

    /// Decodes the wire string, whatever it is.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the wire string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
