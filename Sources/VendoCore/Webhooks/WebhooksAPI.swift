#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Verifies webhooks that Vendo signed: `Vendo-Signature` is the lowercase hex
/// HMAC-SHA256 of `"<Vendo-Timestamp>.<raw body>"` under the deployment's
/// webhook secret. Verification is local (no network) and works in both modes.
///
/// ```swift
/// let webhooks = WebhooksAPI()                       // secret from VENDO_WEBHOOK_SECRET
/// let event = try webhooks.verify(headers: headers, body: rawBody)
/// print(event.type, event.id)
/// ```
///
/// Checks, in order, each failure a ``VendoError/validation(message:)`` that
/// says what was wrong: a secret is configured; `Vendo-Signature` and
/// `Vendo-Timestamp` are present once each (names in any case, values
/// trimmed); the timestamp is unix seconds or RFC 3339 and within
/// ``maxAgeSeconds`` of now, in either direction; the signature is exactly 64
/// hex digits (either case; no `sha256=` prefix, nothing after) and matches
/// one of the secrets, compared in constant time; the body is a JSON object.
///
/// Secret rotation: give several secrets (an array, or a comma-separated
/// `VENDO_WEBHOOK_SECRET`); a delivery signed with any of them passes.
///
/// A value is cheap to share across threads: each secret is keyed into a
/// libcrypto context once, at creation, and every verification works on a copy.
public struct WebhooksAPI: Sendable {
    /// The header holding the hex HMAC-SHA256 signature.
    public static let signatureHeader = "Vendo-Signature"
    /// The header holding the signing time (unix seconds or RFC 3339).
    public static let timestampHeader = "Vendo-Timestamp"
    /// The variable holding the secret (several, comma-separated, while rotating).
    public static let secretEnvironmentVariable = "VENDO_WEBHOOK_SECRET"
    /// Deliveries older (or further in the future) than this many seconds are
    /// rejected unless configured otherwise: five minutes, as in every Vendo SDK.
    public static let defaultMaxAgeSeconds = 300

    /// The largest accepted distance between the timestamp and now, in seconds,
    /// in either direction. Must be 0 or more.
    public let maxAgeSeconds: Int
    /// How deeply the body's JSON may nest (default ``JSONValue/defaultMaxParsingDepth``).
    public var maxJSONDepth: Int = JSONValue.defaultMaxParsingDepth

    let keys: [HMACSHA256]
    /// Set when libcrypto could not key a secret: reported by every verification.
    let setupError: VendoError?
    let clock: @Sendable () -> Date

    /// How many secrets are configured (the secrets themselves are never exposed).
    public var secretCount: Int { keys.count }
    /// Whether at least one secret is configured.
    public var isConfigured: Bool { !keys.isEmpty }

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - secret: the webhook secret; when `nil` or blank, `VENDO_WEBHOOK_SECRET`
    ///     from `env`. Either may list several secrets separated by commas
    ///     (rotation); entries are trimmed and empty ones ignored. With no
    ///     secret at all, creation succeeds and `verify(headers:body:)`
    ///     throws, saying to set `VENDO_WEBHOOK_SECRET`.
    ///   - maxAgeSeconds: the replay window, in seconds, both directions.
    ///   - env: where to read `VENDO_WEBHOOK_SECRET` (the process environment by default).
    ///   - clock: the current time; inject one in tests.
    public init(
        secret: String? = nil,
        maxAgeSeconds: Int = WebhooksAPI.defaultMaxAgeSeconds,
        env: [String: String] = ProcessInfo.processInfo.environment,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        var secrets = secret.map(Self.splitSecretList) ?? []
        if secrets.isEmpty {
            secrets = env[Self.secretEnvironmentVariable].map(Self.splitSecretList) ?? []
        }
        self.init(normalizedSecrets: secrets, maxAgeSeconds: maxAgeSeconds, clock: clock)
    }

    /// Creates a verifier that accepts deliveries signed with any of `secrets`
    /// (rotation: keep the old secret listed until every sender uses the new one).
    /// Entries are trimmed and empty ones ignored; commas inside an entry are
    /// part of the secret. The environment is not consulted.
    public init(
        secrets: [String],
        maxAgeSeconds: Int = WebhooksAPI.defaultMaxAgeSeconds,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        let normalized = secrets.map { String(HeaderLookup.trimmed(Substring($0))) }.filter { !$0.isEmpty }
        self.init(normalizedSecrets: normalized, maxAgeSeconds: maxAgeSeconds, clock: clock)
    }

    private init(normalizedSecrets: [String], maxAgeSeconds: Int, clock: @escaping @Sendable () -> Date) {
        var keys: [HMACSHA256] = []
        var setupError: VendoError?
        for secret in normalizedSecrets {
            do {
                keys.append(try HMACSHA256(key: secret))
            } catch let error as VendoError {
                setupError = error
            } catch {
                setupError = HMACSHA256.unavailable()
            }
        }
        self.keys = keys
        self.setupError = setupError
        self.maxAgeSeconds = maxAgeSeconds
        self.clock = clock
    }

    /// Splits a comma-separated secret list, trimming entries and dropping empty ones.
    static func splitSecretList(_ list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false)
            .map { String(HeaderLookup.trimmed($0)) }
            .filter { !$0.isEmpty }
    }
}
