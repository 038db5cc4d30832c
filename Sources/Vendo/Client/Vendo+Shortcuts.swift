import Foundation

extension Vendo {
    private static let sharedStorage = Locked<Result<Vendo, any Error>?>(nil)

    /// The process-wide client the static shortcuts use, built on first use from
    /// the process environment (`try Vendo()`).
    ///
    /// - Throws: the configuration error, every time, when the environment's
    ///   configuration is unusable (e.g. a malformed `VENDO_BASE_URL`).
    public static var shared: Vendo {
        get throws {
            try sharedStorage.withLock { stored in
                if let stored { return stored }
                let made = Result<Vendo, any Error> { try Vendo() }
                stored = made
                return made
            }.get()
        }
    }

    /// Replaces the shared client (tests); `nil` rebuilds it from the environment on next use.
    static func setShared(_ client: Vendo?) {
        sharedStorage.withLock { $0 = client.map { .success($0) } }
    }

    /// ``token(_:)`` on ``shared``.
    public static func token(_ slug: String) async throws -> String {
        try await shared.token(slug)
    }

    /// ``tokens(_:)`` on ``shared``.
    public static func tokens(_ slugs: [String]) async throws -> [String: String?] {
        try await shared.tokens(slugs)
    }

    /// ``invalidate(_:)`` on ``shared`` (the cache is shared, so instances with the same settings see it too).
    public static func invalidate(_ slug: String) async throws {
        try await shared.invalidate(slug)
    }

    /// ``session(_:)`` on ``shared``.
    public static func session(_ slug: String) throws -> AuthorizedSession {
        try shared.session(slug)
    }

    /// ``connectURL(slug:returnTo:state:)`` on ``shared``.
    public static func connectURL(slug: String, returnTo: String? = nil, state: String? = nil) throws -> URL {
        try shared.connectURL(slug: slug, returnTo: returnTo, state: state)
    }

    /// Limits how many tokens the process-wide cache keeps (default 10 000; at least 1).
    ///
    /// Past the limit, expired tokens are dropped first, then those closest to
    /// expiry, down to 90 % of the limit. Raise it for a server that scopes a
    /// client per user (``forUser(jwt:)``) and serves many users at once.
    public static func setTokenCacheCapacity(_ capacity: Int) async {
        TokenCache.shared.setCapacity(capacity, now: Date())
    }

    /// How many tokens the process-wide cache keeps at most.
    public static var tokenCacheCapacity: Int {
        get async { TokenCache.shared.capacity }
    }

    /// Whether `env` holds an API key (`VENDO_API_KEY` set, not blank, not `"byok"`). No I/O, never throws.
    public static func isVendoMode(env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        Configuration.apiKey(argument: nil, env: env) != nil
    }
}
