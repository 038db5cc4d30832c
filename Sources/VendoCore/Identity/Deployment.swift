#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the platform tells a deployment about itself through the environment.
///
/// Every reader takes `env:` (the process environment by default) so tests can
/// pass their own. Values are trimmed; an empty value counts as unset.
public enum Deployment {
    /// The default of ``apiURL(env:)``.
    public static let defaultAPIURL = "https://vendo.run"

    /// The tenant that owns the deployment (`VENDO_TENANT_ID`).
    public static func tenantID(env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        value("VENDO_TENANT_ID", env)
    }

    /// The deployment's id (`VENDO_DEPLOYMENT_ID`).
    public static func deploymentID(env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        value("VENDO_DEPLOYMENT_ID", env)
    }

    /// The deployment's slug (`VENDO_DEPLOYMENT_SLUG`).
    public static func deploymentSlug(env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        value("VENDO_DEPLOYMENT_SLUG", env)
    }

    /// The deployment key (`VENDO_API_KEY`); present means Vendo mode.
    public static func apiKey(env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        value("VENDO_API_KEY", env)
    }

    /// The platform's URL (`VENDO_API_URL`), `https://vendo.run` when unset.
    public static func apiURL(env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        value("VENDO_API_URL", env) ?? defaultAPIURL
    }

    /// Whether the app runs as a Vendo deployment: `VENDO_DEPLOYMENT_ID` is set.
    /// (It does not look at the API key: a local run with a key is not "on Vendo".)
    public static func isRunningOnVendo(env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        deploymentID(env: env) != nil
    }

    /// Whether the app runs inside a customize sandbox (`VENDO_SANDBOX` is `"1"`).
    public static func isSandbox(env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        value("VENDO_SANDBOX", env) == "1"
    }

    private static func value(_ name: String, _ env: [String: String]) -> String? {
        guard let raw = env[name] else { return nil }
        let trimmed = raw.trimmedWhitespace
        return trimmed.isEmpty ? nil : trimmed
    }
}
