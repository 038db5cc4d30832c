#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VendoCore
import VendoHTTPServer

/// The direct Telegram path: Telegram calls the deployment itself, with the
/// bot's secret token in `X-Telegram-Bot-Api-Secret-Token`.
///
/// The token is compared in constant time with `TELEGRAM_SIGNING_SECRET` (or
/// the one given): missing or different ⇒ 401 `unauthorized`. A good request
/// must carry a JSON object with an integer `update_id` (else 400
/// `validation_failed`); it becomes a provider delivery of type
/// `provider.telegram`, deduplicated as `telegram:direct:<update_id>`, and
/// goes through the receiver's dedupe and handlers with the same answers
/// (200, duplicate 200, 503 so Telegram retries).
///
/// Make it with ``WebhookReceiver/telegramResponder(secretToken:)`` after
/// registering handlers.
public struct TelegramWebhookResponder: HTTPResponder {
    /// The header Telegram sends the secret token in.
    public static let secretTokenHeader = WebhooksAPI.telegramSecretTokenHeader

    private let secretToken: String
    private let receiver: WebhookReceiver

    init(secretToken: String, receiver: WebhookReceiver) throws(WebhookConfigurationError) {
        let trimmed = secretToken.trimmedWhitespace
        guard !trimmed.isEmpty else {
            throw WebhookConfigurationError(
                "the Telegram secret token is empty: set TELEGRAM_SIGNING_SECRET (Vendo sets it on Telegram deployments) or pass the token")
        }
        self.secretToken = trimmed
        self.receiver = receiver
    }

    /// Checks the token, then verifies the update's shape and dispatches it.
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        guard request.method == .post else {
            receiver.metrics.record(.methodNotAllowed)
            return ReceiverResponses.methodNotAllowed()
        }
        do {
            // The SDK's check: constant time, and a missing, empty or repeated header is refused.
            try WebhooksAPI.verifyTelegramSecretToken(headers: request.headers, secret: secretToken, env: [:])
        } catch let error as VendoError {
            return unauthorized(error.message)
        }
        guard let body = try await receiver.collectBody(request) else {
            return ReceiverResponses.payloadTooLarge(limit: receiver.configuration.maxBodySize)
        }
        // Telegram's body is not signed by Vendo: the SDK's strict parser validates it.
        let update: JSONValue
        do {
            update = try JSONValue.parse(utf8: body, maxDepth: receiver.signatureCheck.webhooks.maxJSONDepth)
        } catch {
            return receiver.rejectInvalid(SignatureCheck.Rejection(error, prefix: "the body is not valid JSON: ").message)
        }
        guard case .int(let updateID)? = update["update_id"] else {
            return receiver.rejectInvalid("not a Telegram update: expected a JSON object with an integer update_id")
        }
        var headers = HTTPHeaders()
        for name in ["Content-Type", "User-Agent"] {
            if let value = request.headers[name] { headers.add(name: name, value: value) }
        }
        let key = "telegram:direct:\(updateID)"
        let delivery = WebhookDelivery(
            id: key, type: "provider.telegram", rawBody: body, provider: "telegram", connectionID: nil,
            dedupeKey: key, isEnvelope: false, source: .telegramDirect,
            details: DeliveryDetails(body: body, json: .parsed(update), headers: .given(headers), occurredAt: .given("")))
        return await receiver.answer(delivery)
    }

    private func unauthorized(_ message: String) -> HTTPResponse {
        receiver.metrics.record(.unauthorized)
        receiver.logger.info(
            "telegram webhook rejected", metadata: ["webhook.outcome": "\(WebhookOutcome.unauthorized.rawValue)"])
        return ReceiverResponses.telegramUnauthorized(message)
    }
}

extension WebhookReceiver {
    /// A responder for the direct Telegram path that checks `secretToken` and
    /// dispatches to this receiver's handlers (as registered now).
    /// - Throws: ``WebhookConfigurationError`` when the token is empty.
    public func telegramResponder(secretToken: String) throws -> TelegramWebhookResponder {
        try TelegramWebhookResponder(secretToken: secretToken, receiver: self)
    }

    /// A responder for the direct Telegram path whose token is `TELEGRAM_SIGNING_SECRET`.
    /// - Throws: ``WebhookConfigurationError`` when the variable is unset or empty.
    public func telegramResponder(
        environment env: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> TelegramWebhookResponder {
        try TelegramWebhookResponder(secretToken: env["TELEGRAM_SIGNING_SECRET"] ?? "", receiver: self)
    }
}
