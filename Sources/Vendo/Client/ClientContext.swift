import Foundation

/// The resolved configuration every part of a client shares.
///
/// Built once by `Vendo.init` (arguments, then environment, then defaults) and
/// handed by value to the sub-APIs, so none of them re-reads the environment.
struct ClientContext: Sendable {
    /// The deployment key; `nil` in OSS mode.
    var apiKey: String?
    /// Whether an API key is present (Vendo mode).
    var isVendoMode: Bool
    /// Platform base URL, no trailing slash and no `/api` suffix.
    var baseURL: URL
    /// Credentials (token) service base, no trailing slash.
    var credentialsURL: URL
    /// Data proxy base, no trailing slash.
    var dataProxyURL: URL
    /// Sent as `Vendo-API-Version`.
    var apiVersion: String
    /// The user this client acts for, sent as `X-Vendo-User-JWT`; `nil` for the deployment itself.
    var userJWT: String?
    /// The environment the configuration came from (token overrides and BYOK vars are read here).
    var env: [String: String]
    /// Sends every request.
    var transport: any HTTPTransport
    /// Retries for network errors and 5xx.
    var retryPolicy: RetryPolicy
    /// Per-request timeout in seconds.
    var timeout: TimeInterval
    /// Sent as `User-Agent`.
    var userAgent: String

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
