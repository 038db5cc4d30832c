import Foundation

/// How arguments and the environment turn into a ``ClientContext`` (arguments
/// first, then the environment, then defaults; empty or blank values count as unset).
enum Configuration {
    /// Platform API base when neither `baseURL:` nor `VENDO_BASE_URL` is given.
    static let defaultBaseURL = "https://vendo.run"
    /// Token service base when neither `credentialsURL:` nor `VENDO_CREDENTIALS_URL` is given.
    static let defaultCredentialsURL = "https://credentials.vendo.run"
    /// Data proxy base when neither `dataProxyURL:` nor `VENDO_DATA_PROXY_URL` is given.
    static let defaultDataProxyURL = "https://composio-proxy.vendo.run"
    /// The placeholder key Vendo's Swift SDK 1.0 used for OSS mode.
    static let ossPlaceholderKey = "byok"

    /// `text` trimmed, or `nil` when that leaves nothing.
    static func nonEmpty(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        return trimmed
    }

    /// The argument if set, else the environment variable, both trimmed.
    static func setting(_ argument: String?, _ variable: String, env: [String: String]) -> String? {
        nonEmpty(argument) ?? nonEmpty(env[variable])
    }

    /// The API key, or `nil` for OSS mode (absent, blank or the 1.0 placeholder `"byok"`).
    static func apiKey(argument: String?, env: [String: String]) -> String? {
        guard let key = setting(argument, "VENDO_API_KEY", env: env) else { return nil }
        return key.lowercased() == ossPlaceholderKey ? nil : key
    }

    /// A usable absolute http(s) URL without trailing slashes.
    ///
    /// - Throws: `.other(code: "invalid_configuration")` naming where the value came from.
    static func url(_ text: String, origin: String) throws -> URL {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil
        else {
            throw VendoError.other(
                code: VendoErrorCode.invalidConfiguration,
                message: "\(origin) is not a usable URL (\"\(text)\"): give an absolute http:// or https:// URL without query or fragment, such as https://vendo.run.",
                status: nil)
        }
        return url
    }

    /// Resolves one URL setting: argument, then variable, then default.
    static func url(argument: String?, variable: String, default fallback: String, env: [String: String]) throws -> URL {
        if let argument = nonEmpty(argument) {
            return try url(argument, origin: "The \(parameterName(for: variable)) argument")
        }
        if let value = nonEmpty(env[variable]) {
            return try url(value, origin: variable)
        }
        return try url(fallback, origin: "The default")
    }

    private static func parameterName(for variable: String) -> String {
        switch variable {
        case "VENDO_BASE_URL": return "baseURL:"
        case "VENDO_CREDENTIALS_URL": return "credentialsURL:"
        case "VENDO_DATA_PROXY_URL": return "dataProxyURL:"
        default: return variable
        }
    }
}

/// Facts about this SDK build.
public enum VendoSDK {
    /// The SDK's version, sent in the `User-Agent`.
    public static let version = "0.1.0"

    /// The `User-Agent` every request carries, e.g. `vendo-swift/0.1.0 (Linux)`.
    public static var userAgent: String {
        #if os(Linux)
            let system = "Linux"
        #elseif os(macOS)
            let system = "macOS"
        #else
            let system = "Apple"
        #endif
        return "vendo-swift/\(version) (\(system); Swift)"
    }
}
