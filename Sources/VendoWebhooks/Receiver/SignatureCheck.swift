import VendoCore
import VendoHTTPServer

/// The one place the receiver calls the SDK's verifier.
///
/// An object body goes through `WebhooksAPI.verifiedEnvelope`: signature,
/// timestamp and strict JSON in one call, `id` and `type` picked out, the
/// rest left for later: the `WebhookEvent` is built only when handlers run
/// (``event(_:body:)``), not for a duplicate or a delivery none matches.
/// Any other body (a provider may forward an array or a scalar) cannot be an
/// envelope: only its signature is checked, then it is parsed whole. Either
/// way the signature is computed once.
struct SignatureCheck: Sendable {
    let webhooks: WebhooksAPI

    /// A verified body.
    enum Verified {
        /// A JSON object (an envelope, or a provider's object body), scanned.
        case object(JSONParser.Envelope)
        /// Valid JSON that is not an object.
        case other(JSONValue)
    }

    init(secrets: [String], maxAgeSeconds: Int) {
        self.webhooks = WebhooksAPI(secrets: secrets, maxAgeSeconds: maxAgeSeconds)
    }

    init(webhooks: WebhooksAPI) { self.webhooks = webhooks }

    /// The event of an object body that ``verify(signature:timestamp:body:)``
    /// accepted with `envelope`.
    func event(_ envelope: JSONParser.Envelope, body: [UInt8]) -> WebhookEvent {
        WebhookEvent(validatedBody: body, envelope: envelope, maxDepth: webhooks.maxJSONDepth)
    }

    /// The verified body, or which check failed (a message for the sender).
    func verify(signature: HeaderLookup.Found, timestamp: HeaderLookup.Found, body: [UInt8]) -> Result<Verified, Rejection> {
        do {
            if Self.looksLikeObject(body) {
                return .success(.object(try webhooks.verifiedEnvelope(signature: signature, timestamp: timestamp, body: body)))
            }
            try webhooks.verifySignature(signature: signature, timestamp: timestamp, body: body)
        } catch {
            return .failure(Rejection(error))
        }
        do {
            return .success(.other(try JSONValue.parse(utf8: body, maxDepth: webhooks.maxJSONDepth)))
        } catch {
            return .failure(Rejection(error, prefix: "the body is not valid JSON: "))
        }
    }

    /// Whether the first byte after leading JSON whitespace opens an object.
    static func looksLikeObject(_ body: [UInt8]) -> Bool {
        for byte in body {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default: return byte == UInt8(ascii: "{")
            }
        }
        return false
    }

    /// Why a delivery was refused, as a sentence (never the expected signature or a secret).
    struct Rejection: Error {
        let message: String

        init(_ error: any Error, prefix: String = "") {
            if let error = error as? VendoError, case .validation(let message) = error {
                self.message = prefix + message
            } else {
                self.message = prefix + "\(error)"
            }
        }
    }
}
