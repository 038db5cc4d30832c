/// Every error the SDK throws.
///
/// The cases and their associated values are those of Vendo's Swift SDK 1.0,
/// so code that switches over them compiles unchanged. The platform's error
/// code decides the case (see `VendoError.from(status:headers:body:)`); the
/// properties below read the common fields whatever the case.
public enum VendoError: Error, Sendable, Equatable {
    /// The API key is unknown, revoked or expired (`app_unknown`, `app_revoked`, `app_expired`).
    case auth(message: String, code: String)
    /// The slug has no usable connection (`binding_missing`, `connection_revoked`).
    case notConnected(slug: String?, message: String)
    /// The connection exists but its user must authorise it again (`connection_needs_reauth`).
    case needsReauth(slug: String?, message: String, connectURL: String?)
    /// The deployment's credit balance is used up (`balance_exhausted`).
    case balanceExhausted(message: String)
    /// A daily or monthly spend cap was reached (`spend_cap_daily`, `spend_cap_monthly`).
    case spendCapExceeded(message: String, retryAfter: Int?)
    /// The upstream provider rate-limited the call (`upstream_rate_limited`).
    case rateLimited(retryAfter: Int?)
    /// The upstream provider failed (`upstream_error`, or the data proxy's own errors).
    case upstream(status: Int, message: String)
    /// The request, or a signed webhook, failed validation (`validation_failed`).
    case validation(message: String)
    /// The idempotency key was reused with a different request (`idempotency_conflict`).
    case idempotencyConflict(message: String)
    /// The feature needs Vendo mode (`VENDO_API_KEY`); raised locally before any I/O.
    case vendoOnlyFeature(featureName: String)
    /// A user-scoped call found no user identity (`identity_not_present`); raised locally.
    case identityNotPresent(message: String)
    /// Any other code, kept as sent.
    case other(code: String, message: String, status: Int?)
}
