#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension VendoError: LocalizedError {
    /// The message and what to do about it: which variable to set, which URL to visit.
    public var errorDescription: String? {
        switch self {
        case .auth(let message, let code):
            return "\(message) — Vendo rejected the API key (\(code)): check VENDO_API_KEY; the deployment key may be unknown, revoked or expired."
        case .notConnected(let slug, let message):
            if connectURL != nil || message.contains("VENDO_") { return message }
            let name = slug.map { "\"\($0)\"" } ?? "the provider"
            return "\(message) — connect \(name) in the Vendo dashboard or send the user to vendo.connectURL(slug:)."
        case .needsReauth(let slug, let message, let url):
            let name = slug.map { "\"\($0)\"" } ?? "the provider"
            if let url { return "\(message) — the user must authorise \(name) again at \(url)." }
            return "\(message) — the user must authorise \(name) again (vendo.connectURL(slug:))."
        case .balanceExhausted(let message):
            return "\(message) — the credit balance is used up; top it up (billing.balance().topUpURL)."
        case .spendCapExceeded(let message, let retryAfter):
            let wait = retryAfter.map { "retry after \($0) s or " } ?? ""
            return "\(message) — a spend cap was reached; \(wait)raise the cap in the Vendo dashboard."
        case .rateLimited:
            return message
        case .upstream(let status, let message):
            return "The upstream provider failed (HTTP \(status)): \(message)"
        case .validation(let message):
            return message
        case .idempotencyConflict(let message):
            return "\(message) — the Idempotency-Key was already used for a different request; use a new key."
        case .vendoOnlyFeature, .identityNotPresent:
            return message
        case .other(let code, let message, let status):
            let where_ = status.map { ", HTTP \($0)" } ?? ""
            return message.contains(code) ? message : "\(message) (\(code)\(where_))"
        }
    }

    /// What to do, when known (the platform's `suggested_fix` or the SDK's own).
    public var recoverySuggestion: String? { suggestedFix }
}
