import Vendo
import VendoHTTPServer

/// The one place the receiver calls the SDK's verifier.
///
/// Only the signature and timestamp are checked here (on the raw bytes); the
/// JSON is validated by the receiver's own parser, which also extracts the
/// routing members in the same pass (see `JSONParser`).
struct SignatureCheck: Sendable {
    let webhooks: WebhooksAPI

    init(secrets: [String], maxAgeSeconds: Int) {
        self.webhooks = WebhooksAPI(secrets: secrets, maxAgeSeconds: maxAgeSeconds)
    }

    init(webhooks: WebhooksAPI) { self.webhooks = webhooks }

    /// `nil` when the delivery is authentic and fresh, else which check failed.
    func check(headers: HTTPHeaders, body: [UInt8]) -> String? {
        do {
            try webhooks.verifySignature(headers: headers, body: body)
            return nil
        } catch let error as VendoError {
            if case .validation(let message) = error { return message }
            return "\(error)"
        } catch {
            return "\(error)"
        }
    }
}
