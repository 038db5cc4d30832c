import Testing

@testable import Vendo

@Suite("Telegram secret token and constant-time comparison")
struct WebhookTelegramTests {
    typealias F = WebhookFixture

    @Test("constantTimeEquals compares bytes and lengths")
    func constantTimeEquals() {
        #expect(WebhooksAPI.constantTimeEquals("secret", "secret"))
        #expect(!WebhooksAPI.constantTimeEquals("secret", "secreT"))
        #expect(!WebhooksAPI.constantTimeEquals("secret", "secret2"))
        #expect(!WebhooksAPI.constantTimeEquals("", "a"))
        #expect(WebhooksAPI.constantTimeEquals("", ""))
        #expect(WebhooksAPI.constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!WebhooksAPI.constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(WebhooksAPI.constantTimeEquals([0, 9][1...], [9] as [UInt8]))
        #expect(!WebhooksAPI.constantTimeEquals("é", "e\u{301}"))  // bytes, not canonical equivalence
    }

    @Test("the token from TELEGRAM_SIGNING_SECRET (or an explicit secret) is accepted, any header case")
    func accepted() throws {
        let env = ["TELEGRAM_SIGNING_SECRET": " tg-secret-123 "]
        try WebhooksAPI.verifyTelegramSecretToken(headers: ["X-Telegram-Bot-Api-Secret-Token": "tg-secret-123"], env: env)
        try WebhooksAPI.verifyTelegramSecretToken(headers: ["x-telegram-bot-api-secret-token": " tg-secret-123"], env: env)
        try WebhooksAPI.verifyTelegramSecretToken(headers: [(name: "X-TELEGRAM-BOT-API-SECRET-TOKEN", value: "tg-secret-123")], env: env)
        try WebhooksAPI.verifyTelegramSecretToken(headers: [("X-Telegram-Bot-Api-Secret-Token", "mine")], secret: "mine", env: env)
    }

    @Test("mismatch, missing, empty, repeated and unconfigured are rejected with clear messages")
    func rejected() {
        let env = ["TELEGRAM_SIGNING_SECRET": "tg-secret-123"]
        let header = "X-Telegram-Bot-Api-Secret-Token"
        #expect(F.validationMessage { try WebhooksAPI.verifyTelegramSecretToken(headers: [header: "tg-secret-124"], env: env) }
            == "X-Telegram-Bot-Api-Secret-Token does not match TELEGRAM_SIGNING_SECRET")
        #expect(F.validationMessage { try WebhooksAPI.verifyTelegramSecretToken(headers: [header: "tg-secret-1234"], env: env) }.contains("does not match"))
        #expect(F.validationMessage { try WebhooksAPI.verifyTelegramSecretToken(headers: ["Other": "x"], env: env) }.contains("Missing X-Telegram-Bot-Api-Secret-Token"))
        #expect(F.validationMessage { try WebhooksAPI.verifyTelegramSecretToken(headers: [header: " "], env: env) }.contains("is empty"))
        #expect(F.validationMessage {
            try WebhooksAPI.verifyTelegramSecretToken(headers: [(header, "tg-secret-123"), (header.lowercased(), "tg-secret-123")], env: env)
        }.contains("appears 2 times"))
        #expect(F.validationMessage { try WebhooksAPI.verifyTelegramSecretToken(headers: [header: "x"], env: [:]) }.contains("set TELEGRAM_SIGNING_SECRET"))
        #expect(F.validationMessage { try WebhooksAPI.verifyTelegramSecretToken(headers: [header: "x"], env: ["TELEGRAM_SIGNING_SECRET": ""]) }.contains("set TELEGRAM_SIGNING_SECRET"))
        // An explicit secret wins over the environment.
        #expect(F.validationMessage { try WebhooksAPI.verifyTelegramSecretToken(headers: [header: "tg-secret-123"], secret: "other", env: env) }.contains("does not match"))
    }
}
