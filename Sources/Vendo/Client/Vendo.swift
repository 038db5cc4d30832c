import Foundation

/// The Vendo client: tokens, connections, integrations, billing, data actions,
/// events and webhooks, in Vendo mode or in OSS (bring-your-own-key) mode.
///
/// ```swift
/// let vendo = try Vendo()                        // configuration from the environment
/// let key = try await vendo.token("openai")      // VENDO_TOKEN_OPENAI, Vendo, or OPENAI_API_KEY
/// ```
///
/// **Modes.** With an API key (`apiKey:` or `VENDO_API_KEY`) the client is in
/// *Vendo mode*: tokens come from Vendo's credentials service and the
/// platform APIs are available. Without one (or with the 1.0 placeholder
/// `"byok"`) it is in *OSS mode*: tokens come from environment variables, and
/// the Vendo-only surfaces (billing, events, connect URLs, user scoping, data
/// actions) throw ``VendoError/vendoOnlyFeature(featureName:)`` before any I/O.
///
/// **Configuration** comes from the arguments, then the environment
/// (`VENDO_API_KEY`, `VENDO_BASE_URL`, `VENDO_CREDENTIALS_URL`,
/// `VENDO_DATA_PROXY_URL`), then defaults; empty values count as unset.
///
/// The sub-APIs are `nonisolated` properties, so `vendo.connections` needs no
/// `await`. Every instance, and the static shortcuts, share one token cache.
public actor Vendo {
    nonisolated let context: ClientContext
    /// The time source for token expiry; injectable for tests.
    nonisolated let clock: @Sendable () -> Date

    /// The deployment's (or, when user-scoped, the user's) connections.
    public nonisolated let connections: ConnectionsAPI
    /// Vendo's integration catalogue, and the BYOK variables of each integration.
    public nonisolated let integrations: IntegrationsAPI
    /// Credit balance, spend caps and usage. Vendo mode only.
    public nonisolated let billing: BillingAPI
    /// Actions through Vendo's data proxy. Vendo mode only.
    public nonisolated let data: DataAPI
    /// The deployment's server-sent event stream. Vendo mode only.
    public nonisolated let events: EventsAPI
    /// Verifies signed webhooks with `VENDO_WEBHOOK_SECRET` from the client's environment. Works in both modes.
    public nonisolated let webhooks: WebhooksAPI

    /// Whether the client has an API key (Vendo mode) rather than running on environment variables (OSS mode).
    public nonisolated var isVendoMode: Bool { context.isVendoMode }

    /// The platform base URL in use (no trailing slash).
    public nonisolated var baseURL: URL { context.baseURL }

    /// The user JWT this client acts for, when it is user-scoped (see ``forUser(jwt:)``).
    public nonisolated var userJWT: String? { context.userJWT }

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - apiKey: the deployment key (`vendo_sk_…`); else `VENDO_API_KEY`. None, or `"byok"`, means OSS mode.
    ///   - baseURL: the platform API base without `/api`; else `VENDO_BASE_URL`, else `https://vendo.run`.
    ///   - apiVersion: sent as `Vendo-API-Version`.
    ///   - userJWT: act for this user: sent as `X-Vendo-User-JWT` on every request (see ``forUser(jwt:)``).
    ///   - env: the environment to read; pass a dictionary in tests.
    ///   - credentialsURL: the token service; else `VENDO_CREDENTIALS_URL`, else `https://credentials.vendo.run`.
    ///   - dataProxyURL: the data proxy; else `VENDO_DATA_PROXY_URL`, else `https://composio-proxy.vendo.run`.
    ///   - transport: sends the requests; default ``URLSessionTransport`` (one shared session).
    ///   - retryPolicy: retries for network errors and 500/502/503/504; default 3 attempts, 0.5 s doubling.
    ///   - timeout: seconds each request may take (a deadline for the whole exchange); default 30.
    ///     Zero or negative means the default.
    /// - Throws: only when a URL (argument or variable) is not an absolute http(s) URL:
    ///   `.other(code: "invalid_configuration")` naming it. A missing key never throws: it means OSS mode.
    public init(
        apiKey: String? = nil,
        baseURL: String? = nil,
        apiVersion: String = "2026-05-07",
        userJWT: String? = nil,
        env: [String: String] = ProcessInfo.processInfo.environment,
        credentialsURL: String? = nil,
        dataProxyURL: String? = nil,
        transport: (any HTTPTransport)? = nil,
        retryPolicy: RetryPolicy = .default,
        timeout: TimeInterval = 30
    ) throws {
        let key = Configuration.apiKey(argument: apiKey, env: env)
        let context = ClientContext(
            apiKey: key,
            isVendoMode: key != nil,
            baseURL: try Configuration.url(
                argument: baseURL, variable: "VENDO_BASE_URL", default: Configuration.defaultBaseURL, env: env),
            credentialsURL: try Configuration.url(
                argument: credentialsURL, variable: "VENDO_CREDENTIALS_URL",
                default: Configuration.defaultCredentialsURL, env: env),
            dataProxyURL: try Configuration.url(
                argument: dataProxyURL, variable: "VENDO_DATA_PROXY_URL",
                default: Configuration.defaultDataProxyURL, env: env),
            apiVersion: Configuration.nonEmpty(apiVersion) ?? "2026-05-07",
            userJWT: Configuration.nonEmpty(userJWT),
            env: env,
            transport: transport ?? Vendo.defaultTransport,
            retryPolicy: retryPolicy,
            timeout: timeout > 0 ? timeout : 30,
            userAgent: VendoSDK.userAgent)
        self.init(context: context, clock: { Date() })
    }

    /// A client over an already resolved configuration (scoping, tests).
    init(context: ClientContext, clock: @escaping @Sendable () -> Date) {
        self.context = context
        self.clock = clock
        self.connections = ConnectionsAPI(context: context)
        self.integrations = IntegrationsAPI(context: context)
        self.billing = BillingAPI(context: context)
        self.data = DataAPI(context: context)
        self.webhooks = WebhooksAPI(env: context.env)
        self.events = EventsAPI(context: context)
    }

    /// The same client with another time source (tests drive token expiry with it).
    nonisolated func withClock(_ clock: @escaping @Sendable () -> Date) -> Vendo {
        Vendo(context: context, clock: clock)
    }

    /// One URLSession for every client that brings no transport: connections are pooled.
    static let defaultTransport: any HTTPTransport = URLSessionTransport()

    // MARK: Tokens

    /// The token for a provider.
    ///
    /// Resolution: (1) `VENDO_TOKEN_<SLUG>` (`my-tool` ⇒ `VENDO_TOKEN_MY_TOOL`), in any
    /// mode; (2) Vendo mode: the shared cache, else the credentials service (one
    /// request however many callers ask at once); (3) OSS mode: the slug's primary
    /// variable from the bundled BYOK catalogue (`OPENAI_API_KEY` for `openai`).
    ///
    /// - Throws: ``VendoError/notConnected(slug:message:)`` naming the variable to set
    ///   (OSS) or as the credentials service answered (Vendo mode), or any mapped platform error.
    public nonisolated func token(_ slug: String) async throws -> String {
        // Nonisolated: the client's state is immutable, so a cached token needs no hop onto this actor.
        let slug = try Self.validSlug(slug, in: "token(_:)")
        if let value = context.tokenOverride(for: slug) { return value }
        if let scope = context.tokenScope {
            let key = TokenCache.Key(scope: scope, slug: slug)
            // The common case first, before building the fetch closure the miss path needs.
            if let token = TokenCache.shared.cached(key, now: clock()) { return token }
            let context = self.context
            return try await TokenCache.shared.token(key, clock: clock) {
                try await TokenFetcher(context: context).fetch(slug)
            }
        }
        if let value = byokValue(for: slug) { return value }
        throw Self.notConnectedOSS(slug)
    }

    /// Tokens for several providers; a provider without one maps to `nil` instead of failing.
    ///
    /// Overrides and cached tokens are used as they are; in Vendo mode every other
    /// slug is fetched in **one** bulk request. Duplicates are looked up once.
    ///
    /// - Throws: a mapped platform error when the bulk request fails as a whole.
    public nonisolated func tokens(_ slugs: [String]) async throws -> [String: String?] {
        var result: [String: String?] = [:]
        var missing: [String] = []
        let now = clock()
        for raw in slugs {
            let slug = try Self.validSlug(raw, in: "tokens(_:)")
            if result.keys.contains(slug) || missing.contains(slug) { continue }
            if let value = context.tokenOverride(for: slug) {
                result[slug] = .some(value)
            } else if let scope = context.tokenScope {
                if let cached = TokenCache.shared.cached(TokenCache.Key(scope: scope, slug: slug), now: now) {
                    result[slug] = .some(cached)
                } else {
                    missing.append(slug)
                }
            } else {
                result[slug] = .some(byokValue(for: slug))
            }
        }
        guard let scope = context.tokenScope, !missing.isEmpty else { return result }
        let fetched = try await TokenFetcher(context: context).fetchBulk(missing)
        let fetchedAt = clock()
        for slug in missing {
            if let token = fetched[slug] ?? nil {
                TokenCache.shared.store(TokenCache.Key(scope: scope, slug: slug), token, now: fetchedAt)
                result[slug] = .some(token.token)
            } else {
                result[slug] = .some(nil)
            }
        }
        return result
    }

    /// Drops the cached token for a provider, so the next ``token(_:)`` fetches it again.
    ///
    /// The cache is shared: this affects every client with the same key, services
    /// and user, the static shortcuts included. No I/O.
    public nonisolated func invalidate(_ slug: String) async {
        guard let scope = context.tokenScope, let slug = Configuration.nonEmpty(slug) else { return }
        TokenCache.shared.invalidate(TokenCache.Key(scope: scope, slug: slug))
    }

    /// A session that calls the provider's own API with this provider's token.
    ///
    /// It sends `Authorization: Bearer <token>`, fetches the token lazily on the
    /// first request, and on a 401 invalidates it, fetches it again and retries once.
    public nonisolated func session(_ slug: String) -> AuthorizedSession {
        AuthorizedSession(slug: slug, client: self)
    }

    // MARK: Helpers

    private nonisolated func byokValue(for slug: String) -> String? {
        guard let variable = BYOK.primaryEnvVar(for: slug) else { return nil }
        return Configuration.nonEmpty(context.env[variable])
    }

    static func validSlug(_ slug: String, in function: String) throws -> String {
        // Nothing to trim when both ends are printable ASCII (every real slug): skip Foundation's trimming.
        if let first = slug.utf8.first, let last = slug.utf8.last, (0x21...0x7E).contains(first),
            (0x21...0x7E).contains(last)
        {
            return slug
        }
        guard let trimmed = Configuration.nonEmpty(slug) else {
            throw VendoError.validation(
                message: "\(function) needs a provider slug such as \"openai\"; it got an empty string.")
        }
        return trimmed
    }

    static func notConnectedOSS(_ slug: String) -> VendoError {
        let override = BYOK.envVarName(forTokenOverride: slug)
        if let primary = BYOK.primaryEnvVar(for: slug) {
            return .notConnected(
                slug: slug,
                message: "No token for \"\(slug)\": set \(primary) (or \(override)), or set VENDO_API_KEY to use the deployment's Vendo connection.")
        }
        return .notConnected(
            slug: slug,
            message: "No token for \"\(slug)\": it is not in the bundled BYOK catalogue, so set \(override), or set VENDO_API_KEY to fetch it from Vendo.")
    }
}
