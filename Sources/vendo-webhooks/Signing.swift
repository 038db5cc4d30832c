import VendoCore

/// Computes the headers Vendo puts on a delivery, with the SDK's signer.
enum Signing {
    /// `Vendo-Signature` (lowercase hex HMAC-SHA256 of "<timestamp>.<body>") and
    /// `Vendo-Timestamp`, the timestamp text signed exactly as given.
    static func headers(secret: String, timestamp: String, body: [UInt8]) throws -> [(String, String)] {
        let signature = try WebhookSigner(secret: secret).signature(body: body, timestampText: timestamp)
        return [(WebhooksAPI.signatureHeader, signature), (WebhooksAPI.timestampHeader, timestamp)]
    }
}
