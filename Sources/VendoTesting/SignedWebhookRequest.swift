import Foundation
import Vendo

/// A webhook delivery signed as Vendo signs it, for testing a receiver:
/// the body, and the headers `Vendo-Signature`, `Vendo-Timestamp` and
/// `Content-Type: application/json` (plus any extra ones).
///
/// ```swift
/// let request = try SignedWebhookRequest(
///     type: "connection.connected", data: ["slug": "openai"], secret: "whsec_test")
/// let event = try WebhooksAPI(secret: "whsec_test").verify(headers: request.headers, body: request.body)
/// ```
///
/// The signing itself is ``WebhookSigner`` from the SDK (available here too).
public struct SignedWebhookRequest: Sendable {
    /// The headers to send.
    public var headers: [String: String]
    /// The raw body that was signed.
    public var body: String
    /// The body's UTF-8 bytes.
    public var bodyBytes: [UInt8] { Array(body.utf8) }

    /// Signs `body` as it is (any text: a Vendo envelope, a provider's own payload).
    ///
    /// - Parameters:
    ///   - body: the exact body.
    ///   - secret: the signing secret (`whsec_…`).
    ///   - timestamp: when it was signed; default now. Use an old one to test the age check.
    ///   - timestampFormat: unix seconds (default) or RFC 3339.
    ///   - extraHeaders: more headers, e.g. `x-vendo-connection-id` and `x-vendo-provider`.
    /// - Throws: ``VendoError/validation(message:)`` for an empty secret.
    public init(
        body: String, secret: String, timestamp: Date = Date(),
        timestampFormat: WebhookTimestamp.Format = .unixSeconds, extraHeaders: [String: String] = [:]
    ) throws {
        var headers = try WebhookSigner(secret: secret).sign(body: body, timestamp: timestamp, format: timestampFormat)
        headers["Content-Type"] = "application/json"
        headers.merge(extraHeaders) { _, extra in extra }
        self.headers = headers
        self.body = body
    }

    /// Signs a Vendo event envelope `{"id", "type", "occurred_at", "data"}`.
    ///
    /// - Parameters:
    ///   - type: the event type, e.g. `connection.connected`.
    ///   - data: the payload.
    ///   - id: the delivery id (the receiver's dedupe key); default a new `evt_…`.
    ///   - occurredAt: RFC 3339; default the timestamp.
    ///   - secret, timestamp, timestampFormat, extraHeaders: as in ``init(body:secret:timestamp:timestampFormat:extraHeaders:)``.
    public init(
        type: String, data: JSONValue = [:], id: String = "evt_\(UUID().uuidString.lowercased())",
        occurredAt: String? = nil, secret: String, timestamp: Date = Date(),
        timestampFormat: WebhookTimestamp.Format = .unixSeconds, extraHeaders: [String: String] = [:]
    ) throws {
        let envelope: JSONValue = [
            "id": .string(id), "type": .string(type),
            "occurred_at": .string(occurredAt ?? ISO8601DateFormatter().string(from: timestamp)), "data": data,
        ]
        let body = String(decoding: try envelope.jsonData(), as: UTF8.self)
        try self.init(
            body: body, secret: secret, timestamp: timestamp, timestampFormat: timestampFormat,
            extraHeaders: extraHeaders)
    }
}
