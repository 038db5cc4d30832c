#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The common fields of every error, whatever the case.
///
/// The cases are those of Vendo's Swift SDK 1.0 and some do not carry every
/// field, so a few properties are derived:
///
/// - `code`: carried by `.auth` and `.other`. The cases that stand for two
///   wire codes (`.notConnected`: `binding_missing`/`connection_revoked`;
///   `.spendCapExceeded`: `spend_cap_daily`/`spend_cap_monthly`; `.upstream`:
///   `upstream_error`/`composio_error`) report the code named in their message
///   (``VendoError/from(status:headers:body:)`` makes sure it is named), else the
///   first of the pair. Every other case has exactly one code.
/// - `status`: carried by `.upstream` and `.other`; the other platform cases
///   report the status the platform answers them with (`.auth` 401,
///   `.notConnected` 403, `.needsReauth` 403, `.balanceExhausted` and
///   `.spendCapExceeded` 402, `.rateLimited` 429, `.validation` 400,
///   `.idempotencyConflict` 409). The two errors raised locally, before any
///   request, have none.
/// - `suggestedFix`: the platform's `suggested_fix` is folded into the message
///   as a final sentence `Suggested fix: …`, and read back from there. The
///   local errors give their own fix.
/// - `connectURL`: carried by `.needsReauth`; for `.notConnected` the platform's
///   `connect_url` is folded into the message as `Connect it at <url>.`
extension VendoError {
    /// The wire code, e.g. `binding_missing` (see the extension's description for derived codes).
    public var code: String {
        switch self {
        case .auth(_, let code): return code
        case .notConnected(_, let message):
            return message.contains(VendoErrorCode.connectionRevoked)
                ? VendoErrorCode.connectionRevoked : VendoErrorCode.bindingMissing
        case .needsReauth: return VendoErrorCode.connectionNeedsReauth
        case .balanceExhausted: return VendoErrorCode.balanceExhausted
        case .spendCapExceeded(let message, _):
            return message.contains(VendoErrorCode.spendCapMonthly)
                ? VendoErrorCode.spendCapMonthly : VendoErrorCode.spendCapDaily
        case .rateLimited: return VendoErrorCode.upstreamRateLimited
        case .upstream(_, let message):
            return message.contains(VendoErrorCode.composioError)
                ? VendoErrorCode.composioError : VendoErrorCode.upstreamError
        case .validation: return VendoErrorCode.validationFailed
        case .idempotencyConflict: return VendoErrorCode.idempotencyConflict
        case .vendoOnlyFeature: return VendoErrorCode.vendoOnlyFeature
        case .identityNotPresent: return VendoErrorCode.identityNotPresent
        case .other(let code, _, _): return code
        }
    }

    /// A human-readable description: the platform's message or one the SDK wrote.
    public var message: String {
        switch self {
        case .auth(let message, _), .notConnected(_, let message), .needsReauth(_, let message, _),
            .balanceExhausted(let message), .spendCapExceeded(let message, _), .upstream(_, let message),
            .validation(let message), .idempotencyConflict(let message), .identityNotPresent(let message),
            .other(_, let message, _):
            return message
        case .rateLimited(let retryAfter):
            if let retryAfter { return "The upstream provider rate-limited the call; retry after \(retryAfter) s." }
            return "The upstream provider rate-limited the call; retry later."
        case .vendoOnlyFeature(let feature):
            return "\(feature) needs Vendo mode: set VENDO_API_KEY to the deployment key (vendo_sk_…) or pass apiKey: to Vendo(…)."
        }
    }

    /// The HTTP status (see the extension's description for derived statuses); `nil` for local errors.
    public var status: Int? {
        switch self {
        case .auth: return 401
        case .notConnected, .needsReauth: return 403
        case .balanceExhausted, .spendCapExceeded: return 402
        case .rateLimited: return 429
        case .upstream(let status, _): return status
        case .validation: return 400
        case .idempotencyConflict: return 409
        case .vendoOnlyFeature, .identityNotPresent: return nil
        case .other(_, _, let status): return status
        }
    }

    /// The provider slug the error is about, when known.
    public var slug: String? {
        switch self {
        case .notConnected(let slug, _), .needsReauth(let slug, _, _): return slug
        default: return nil
        }
    }

    /// Where the user can connect or re-authorise the provider, when known.
    public var connectURL: String? {
        switch self {
        case .needsReauth(_, _, let url): return url
        case .notConnected(_, let message): return VendoErrorText.connectURL(in: message)
        default: return nil
        }
    }

    /// Seconds to wait before trying again, when the platform said.
    public var retryAfter: Int? {
        switch self {
        case .spendCapExceeded(_, let seconds), .rateLimited(let seconds): return seconds
        default: return nil
        }
    }

    /// A remediation hint: the platform's `suggested_fix`, or the SDK's for local errors.
    public var suggestedFix: String? {
        switch self {
        case .vendoOnlyFeature:
            return "Set VENDO_API_KEY to the deployment key (vendo_sk_…) or pass apiKey: to Vendo(…)."
        case .identityNotPresent(let message):
            return VendoErrorText.suggestedFix(in: message)
                ?? "Call this behind Vendo's app proxy, which sends X-Vendo-User-JWT, or use forUser(jwt:)."
        case .rateLimited: return nil
        default: return VendoErrorText.suggestedFix(in: message)
        }
    }
}

/// The wire codes the SDK knows, as named constants.
public enum VendoErrorCode {
    /// The API key is unknown.
    public static let appUnknown = "app_unknown"
    /// The API key was revoked.
    public static let appRevoked = "app_revoked"
    /// The API key expired.
    public static let appExpired = "app_expired"
    /// No connection is bound for the provider.
    public static let bindingMissing = "binding_missing"
    /// The bound connection was revoked.
    public static let connectionRevoked = "connection_revoked"
    /// The bound OAuth grant expired; the user must authorise again.
    public static let connectionNeedsReauth = "connection_needs_reauth"
    /// The wallet is empty.
    public static let balanceExhausted = "balance_exhausted"
    /// The daily spend cap fired.
    public static let spendCapDaily = "spend_cap_daily"
    /// The monthly spend cap fired.
    public static let spendCapMonthly = "spend_cap_monthly"
    /// The upstream provider answered 429.
    public static let upstreamRateLimited = "upstream_rate_limited"
    /// The upstream provider failed.
    public static let upstreamError = "upstream_error"
    /// The data proxy's Composio call failed.
    public static let composioError = "composio_error"
    /// The request or a webhook signature was invalid.
    public static let validationFailed = "validation_failed"
    /// The idempotency key was reused with a different request.
    public static let idempotencyConflict = "idempotency_conflict"
    /// Raised locally: the feature needs Vendo mode.
    public static let vendoOnlyFeature = "vendo_only_feature"
    /// Raised locally: no user identity on the request.
    public static let identityNotPresent = "identity_not_present"
    /// No code was sent.
    public static let internalError = "internal_error"
    /// Raised locally: the platform could not be reached (connection failure or timeout).
    public static let networkError = "network_error"
    /// Raised locally: a 2xx response whose body is not what the protocol promises.
    public static let invalidResponse = "invalid_response"
    /// Raised locally: the SDK's configuration cannot be used (e.g. a malformed URL).
    public static let invalidConfiguration = "invalid_configuration"
}

/// How extra fields are folded into, and read back from, a message.
package enum VendoErrorText {
    static let fixMarker = " Suggested fix: "
    static let connectMarker = "Connect it at "

    /// Appends the platform's fix and connect URL as sentences the properties can read back.
    package static func compose(_ message: String, connectURL: String? = nil, suggestedFix: String? = nil) -> String {
        var text = message
        if let connectURL, !connectURL.isEmpty, !text.contains(connectURL) {
            text += (text.hasSuffix(".") ? " " : ". ") + connectMarker + connectURL + "."
        }
        if let suggestedFix, !suggestedFix.isEmpty {
            text += fixMarker + suggestedFix
        }
        return text
    }

    static func suggestedFix(in message: String) -> String? {
        guard let range = message.ranges(of: fixMarker).last else { return nil }
        let fix = message[range.upperBound...].trimmedWhitespace
        return fix.isEmpty ? nil : fix
    }

    static func connectURL(in message: String) -> String? {
        guard let range = message.firstRange(of: connectMarker) else { return nil }
        var url = message[range.upperBound...].prefix { !$0.isWhitespace }
        while url.last == "." { url = url.dropLast() }
        return url.isEmpty ? nil : String(url)
    }
}
