#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Telegram's direct path: when Telegram calls the deployment itself (not
/// through Vendo's hooks worker), it proves who it is with the
/// `X-Telegram-Bot-Api-Secret-Token` header, equal to the secret the bot's
/// webhook was registered with (`TELEGRAM_SIGNING_SECRET` on Vendo).
extension WebhooksAPI {
    /// The header Telegram sends its secret token in.
    public static let telegramSecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token"
    /// The variable holding the expected token.
    public static let telegramSecretEnvironmentVariable = "TELEGRAM_SIGNING_SECRET"

    static let telegramKey = HeaderLookup.key("X-Telegram-Bot-Api-Secret-Token")

    /// Checks `X-Telegram-Bot-Api-Secret-Token` against `secret`, else
    /// `TELEGRAM_SIGNING_SECRET`, in constant time.
    /// - Throws: ``VendoError/validation(message:)`` when no secret is configured,
    ///   the header is missing, empty or repeated, or the token does not match.
    public static func verifyTelegramSecretToken(
        headers: [String: String], secret: String? = nil,
        env: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        try checkTelegram(HeaderLookup.find([telegramKey], in: headers)[0], secret: secret, env: env)
    }

    /// Checks the Telegram secret token in ordered header pairs (a server's header type).
    /// - Throws: ``VendoError/validation(message:)`` as the dictionary form does.
    public static func verifyTelegramSecretToken(
        headers: some Sequence<(name: String, value: String)>, secret: String? = nil,
        env: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        try checkTelegram(HeaderLookup.find([telegramKey], in: headers)[0], secret: secret, env: env)
    }

    /// Checks the Telegram secret token in unlabelled `(name, value)` header pairs.
    /// - Throws: ``VendoError/validation(message:)`` as the dictionary form does.
    public static func verifyTelegramSecretToken(
        headers: some Sequence<(String, String)>, secret: String? = nil,
        env: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        try checkTelegram(HeaderLookup.find([telegramKey], in: headers)[0], secret: secret, env: env)
    }

    private static func checkTelegram(_ found: HeaderLookup.Found, secret: String?, env: [String: String]) throws {
        let configured = [secret, env[telegramSecretEnvironmentVariable]]
            .compactMap { $0.map { String(HeaderLookup.trimmed(Substring($0))) } }
            .first { !$0.isEmpty }
        guard let configured else {
            throw VendoError.validation(
                message: "No Telegram secret configured: set TELEGRAM_SIGNING_SECRET to the secret_token the bot's webhook was registered with")
        }
        let presented: Substring
        switch found {
        case .missing:
            throw VendoError.validation(message: "Missing X-Telegram-Bot-Api-Secret-Token header: the request did not come from Telegram")
        case .repeated(let count):
            throw VendoError.validation(message: "X-Telegram-Bot-Api-Secret-Token header appears \(count) times; expected exactly one")
        case .one(let value):
            guard !value.isEmpty else {
                throw VendoError.validation(message: "X-Telegram-Bot-Api-Secret-Token header is empty")
            }
            presented = value
        }
        guard constantTimeEquals(Array(presented.utf8), Array(configured.utf8)) else {
            throw VendoError.validation(message: "X-Telegram-Bot-Api-Secret-Token does not match TELEGRAM_SIGNING_SECRET")
        }
    }
}
