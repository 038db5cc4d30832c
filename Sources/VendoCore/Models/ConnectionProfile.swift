/// How a connection's credential is managed. An open set: profiles the SDK
/// does not know yet decode too and keep their raw string.
///
/// Compare with the constants or with a string literal, as with ``ConnectionStatus``.
public struct ConnectionProfile: OpenStringSet {
    /// The wire string.
    public let rawValue: String

    /// Wraps any profile string.
    public init(rawValue: String) { self.rawValue = rawValue }

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
}
