import Foundation

/// The resolved configuration every part of a client shares.
///
/// Built once by `Vendo.init` (arguments, then environment, then defaults) and
/// handed by value to the sub-APIs, so none of them re-reads the environment.
///
/// What every `token(_:)` call would otherwise recompute from these settings
/// (the cache scope, the override variables) is derived here once, and again
/// only when a setting it depends on changes (as `forUser(jwt:)` changes `userJWT`).
struct ClientContext: Sendable {
    /// The deployment key; `nil` in OSS mode.
    var apiKey: String? { didSet { tokenScope = Self.tokenScope(apiKey, credentialsURL, userJWT) } }
    /// Whether an API key is present (Vendo mode).
    var isVendoMode: Bool
    /// Platform base URL, no trailing slash and no `/api` suffix.
    var baseURL: URL
    /// Credentials (token) service base, no trailing slash.
    var credentialsURL: URL { didSet { tokenScope = Self.tokenScope(apiKey, credentialsURL, userJWT) } }
    /// Data proxy base, no trailing slash.
    var dataProxyURL: URL
    /// Sent as `Vendo-API-Version`.
    var apiVersion: String
    /// The user this client acts for, sent as `X-Vendo-User-JWT`; `nil` for the deployment itself.
    var userJWT: String? { didSet { tokenScope = Self.tokenScope(apiKey, credentialsURL, userJWT) } }
    /// The environment the configuration came from (token overrides and BYOK vars are read here).
    var env: [String: String] { didSet { tokenOverrides = Self.tokenOverrides(in: env) } }
    /// Sends every request.
    var transport: any HTTPTransport
    /// Retries for network errors and 5xx.
    var retryPolicy: RetryPolicy
    /// Per-request timeout in seconds.
    var timeout: TimeInterval
    /// Sent as `User-Agent`.
    var userAgent: String

    /// What the token-cache keys of this client share (key, credentials service, user); `nil` without an API key.
    private(set) var tokenScope: TokenCache.Scope?
    /// The `VENDO_TOKEN_*` variables of ``env`` that hold a value (trimmed), by name.
    /// Usually empty, and then a token lookup skips building the variable name.
    private(set) var tokenOverrides: [String: String]

    init(
        apiKey: String?, isVendoMode: Bool, baseURL: URL, credentialsURL: URL, dataProxyURL: URL,
        apiVersion: String, userJWT: String?, env: [String: String], transport: any HTTPTransport,
        retryPolicy: RetryPolicy, timeout: TimeInterval, userAgent: String
    ) {
        self.apiKey = apiKey
        self.isVendoMode = isVendoMode
        self.baseURL = baseURL
        self.credentialsURL = credentialsURL
        self.dataProxyURL = dataProxyURL
        self.apiVersion = apiVersion
        self.userJWT = userJWT
        self.env = env
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.timeout = timeout
        self.userAgent = userAgent
        tokenScope = Self.tokenScope(apiKey, credentialsURL, userJWT)
        tokenOverrides = Self.tokenOverrides(in: env)
    }

    /// The override for `slug` (`VENDO_TOKEN_<SLUG>`), if set and not blank.
    func tokenOverride(for slug: String) -> String? {
        tokenOverrides.isEmpty ? nil : tokenOverrides[BYOK.envVarName(forTokenOverride: slug)]
    }

    private static func tokenScope(_ apiKey: String?, _ credentialsURL: URL, _ userJWT: String?) -> TokenCache.Scope? {
        apiKey.map { TokenCache.Scope(apiKey: $0, credentialsURL: credentialsURL.absoluteString, userJWT: userJWT) }
    }

    private static func tokenOverrides(in env: [String: String]) -> [String: String] {
        var overrides: [String: String] = [:]
        for (name, value) in env where name.hasPrefix(BYOK.tokenOverridePrefix) {
            if let value = Configuration.nonEmpty(value) { overrides[name] = value }
        }
        return overrides
    }

    /// The headers every platform, credentials and data-proxy request carries.
    ///
    /// `Authorization` only in Vendo mode; `X-Vendo-User-JWT` only on a user-scoped client.
    func platformHeaders() -> [String: String] {
        var headers: [String: String] = [
            "Vendo-API-Version": apiVersion,
            "Accept": "application/json",
            "User-Agent": userAgent,
        ]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        if let userJWT { headers["X-Vendo-User-JWT"] = userJWT }
        return headers
    }

    /// Throws `.vendoOnlyFeature(featureName: feature)` in OSS mode; call before any I/O.
    func requireVendoMode(_ feature: String) throws {
        if !isVendoMode { throw VendoError.vendoOnlyFeature(featureName: feature) }
    }
}
