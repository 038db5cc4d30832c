import Vendo

/// Computes the headers Vendo puts on a delivery.
enum Signing {
    /// `Vendo-Signature` (lowercase hex HMAC-SHA256 of "<timestamp>.<body>") and `Vendo-Timestamp`.
    static func headers(secret: String, timestamp: String, body: [UInt8]) throws -> [(String, String)] {
        let mac = try HMACSHA256(key: secret)
        let digest = try mac.authenticationCode(for: Array(timestamp.utf8) + [UInt8(ascii: ".")] + body)
        let hex = digest.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        return [(WebhooksAPI.signatureHeader, hex), (WebhooksAPI.timestampHeader, timestamp)]
    }
}
