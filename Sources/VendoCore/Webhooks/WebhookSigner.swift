#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Signs webhook bodies the way Vendo does, for tests, tools and senders:
/// `Vendo-Signature` = lowercase hex HMAC-SHA256(secret, `"<timestamp>.<body>"`).
///
/// ```swift
/// let signer = try WebhookSigner(secret: "whsec_test")
/// let headers = try signer.sign(body: #"{"id":"evt_1","type":"ping"}"#)
/// // ["Vendo-Signature": "3f…", "Vendo-Timestamp": "1716240000"]
/// ```
public struct WebhookSigner: Sendable {
    private let hmac: HMACSHA256

    /// Creates a signer for `secret` (used exactly as given).
    /// - Throws: ``VendoError/validation(message:)`` when the secret is empty;
    ///   ``VendoError/other(code:message:status:)`` (`crypto_unavailable`) when libcrypto fails.
    public init(secret: String) throws {
        guard !secret.isEmpty else {
            throw VendoError.validation(message: "WebhookSigner needs a non-empty secret")
        }
        hmac = try HMACSHA256(key: secret)
    }

    /// The lowercase hex signature of `body` under `timestampText` (the exact
    /// `Vendo-Timestamp` header text).
    public func signature(body: some Collection<UInt8>, timestampText: String) throws -> String {
        try WebhooksAPI.withBytes(of: body) { try signature(UnsafeRawBufferPointer($0), timestampText) }
    }

    /// The lowercase hex signature of the UTF-8 bytes of `body` under `timestampText`.
    public func signature(body: String, timestampText: String) throws -> String {
        try WebhooksAPI.withBytes(of: body) { try signature($0, timestampText) }
    }

    /// The two headers for `body` signed at `timestamp` (now by default),
    /// the timestamp written as unix seconds or RFC 3339.
    public func sign(body: String, timestamp: Date = Date(), format: WebhookTimestamp.Format = .unixSeconds) throws -> [String: String] {
        try sign(body: body, timestampText: WebhookTimestamp(date: timestamp, format: format).text)
    }

    /// The two headers for a byte body signed at `timestamp` (now by default).
    public func sign(body: some Collection<UInt8>, timestamp: Date = Date(), format: WebhookTimestamp.Format = .unixSeconds) throws -> [String: String] {
        try sign(body: body, timestampText: WebhookTimestamp(date: timestamp, format: format).text)
    }

    /// The two headers for `body` with `Vendo-Timestamp` set to `timestampText` verbatim
    /// (any text: tests use it for odd or invalid timestamps).
    public func sign(body: String, timestampText: String) throws -> [String: String] {
        [
            WebhooksAPI.signatureHeader: try signature(body: body, timestampText: timestampText),
            WebhooksAPI.timestampHeader: timestampText,
        ]
    }

    /// The two headers for a byte body with `Vendo-Timestamp` set to `timestampText` verbatim.
    public func sign(body: some Collection<UInt8>, timestampText: String) throws -> [String: String] {
        [
            WebhooksAPI.signatureHeader: try signature(body: body, timestampText: timestampText),
            WebhooksAPI.timestampHeader: timestampText,
        ]
    }

    private func signature(_ body: UnsafeRawBufferPointer, _ timestampText: String) throws -> String {
        var stamp = timestampText
        var code = [UInt8](repeating: 0, count: HMACSHA256.byteCount)
        let ok = stamp.withUTF8 { stamp in
            withUnsafeBytes(of: UInt8(ascii: ".")) { dot in
                code.withUnsafeMutableBytes { out in hmac.compute(UnsafeRawBufferPointer(stamp), dot, body, into: out) }
            }
        }
        guard ok else { throw HMACSHA256.unavailable() }
        return Self.hex(code)
    }

    /// Lowercase hex of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
