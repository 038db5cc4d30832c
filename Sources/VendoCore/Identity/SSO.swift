#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Single sign-on behind the Vendo app-proxy.
///
/// With `VENDO_AUTH=1` the proxy authenticates users before they reach the
/// app, strips any `X-Vendo-*` headers the client sent, and injects the
/// user's identity as headers. Those headers are not signed: trust them only
/// when the app is reachable solely through the proxy.
public enum SSO {
    /// `X-Vendo-User-Id`: required.
    public static let userIDHeader = "X-Vendo-User-Id"
    /// `X-Vendo-User-Email`: required.
    public static let emailHeader = "X-Vendo-User-Email"
    /// `X-Vendo-User-Name`: optional, may be empty.
    public static let nameHeader = "X-Vendo-User-Name"
    /// `X-Vendo-Tenant-Id`: required.
    public static let tenantIDHeader = "X-Vendo-Tenant-Id"
    /// `X-Vendo-Role`: required (`owner`, `member`, `viewer`; others are kept).
    public static let roleHeader = "X-Vendo-Role"

    /// Where to send a user to sign out (served by the proxy).
    public static let logoutURL = "/__vendo/auth/logout"
    /// The Vendo dashboard.
    public static let dashboardURL = "https://vendo.run/dashboard"
    /// The recommended path for the app's identity endpoint (see `identityResponse(headers:)`).
    public static let identityEndpointPath = "/api/vendo/identity"
    /// The variable that is `"1"` when the proxy authenticates users.
    public static let enabledEnvironmentVariable = "VENDO_AUTH"

    /// Whether the app-proxy authenticates users: `VENDO_AUTH` is `"1"`
    /// (surrounding whitespace ignored).
    public static func isEnabled(env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        env[enabledEnvironmentVariable].map { HeaderLookup.trimmed(Substring($0)) == "1" } ?? false
    }

    /// The user the proxy identified, read from its headers (names in any case,
    /// values trimmed); `nil` when the user id, email, tenant id or role header is
    /// missing, empty or given twice (under two spellings). A missing name is `""`.
    public static func identity(fromHeaders headers: [String: String]) -> VendoIdentity? {
        identity(HeaderLookup.find(keys, in: headers))
    }

    /// The user the proxy identified, from ordered header pairs (a server's header type).
    /// A header that appears more than once makes the identity ambiguous: `nil`.
    public static func identity(fromHeaders headers: some Sequence<(name: String, value: String)>) -> VendoIdentity? {
        identity(HeaderLookup.find(keys, in: headers))
    }

    /// The user the proxy identified, from unlabelled `(name, value)` header pairs.
    public static func identity(fromHeaders headers: some Sequence<(String, String)>) -> VendoIdentity? {
        identity(HeaderLookup.find(keys, in: headers))
    }

    /// The identity endpoint's JSON members: `user_id`, `email`, `name`,
    /// `tenant_id`, `role`; empty (`{}`) when no identity is present.
    public static func identityResponse(headers: [String: String]) -> [String: String] {
        identity(fromHeaders: headers)?.fields ?? [:]
    }

    /// The identity endpoint's JSON members, from ordered header pairs.
    public static func identityResponse(headers: some Sequence<(name: String, value: String)>) -> [String: String] {
        identity(fromHeaders: headers)?.fields ?? [:]
    }

    /// The identity endpoint's JSON members, from unlabelled `(name, value)` header pairs.
    public static func identityResponse(headers: some Sequence<(String, String)>) -> [String: String] {
        identity(fromHeaders: headers)?.fields ?? [:]
    }

    private static let keys = [
        HeaderLookup.key("X-Vendo-User-Id"), HeaderLookup.key("X-Vendo-User-Email"),
        HeaderLookup.key("X-Vendo-User-Name"), HeaderLookup.key("X-Vendo-Tenant-Id"),
        HeaderLookup.key("X-Vendo-Role"),
    ]

    private static func identity(_ found: [HeaderLookup.Found]) -> VendoIdentity? {
        // A repeated header is ambiguous (the proxy sends each once, after
        // stripping the client's): treat it like a missing one.
        func required(_ index: Int) -> String? {
            guard let value = found[index].value, !value.isEmpty else { return nil }
            return String(value)
        }
        guard let userID = required(0), let email = required(1), let tenantID = required(3), let role = required(4)
        else { return nil }
        let name: String
        switch found[2] {
        case .missing: name = ""
        case .one(let value): name = String(value)
        case .repeated: return nil
        }
        return VendoIdentity(userID: userID, email: email, name: name, tenantID: tenantID, role: VendoIdentity.Role(rawValue: role))
    }
}
