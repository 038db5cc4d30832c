import Synchronization
import VendoCore
import VendoHTTPServer

/// The parts of a delivery that most handlers never read: its JSON, its
/// `occurred_at` and the headers it forwards. Each is built on first read
/// and kept; copies of the delivery share one object.
///
/// The receiver makes it from what verification already holds (the body,
/// the envelope's scan, the request's headers), so a delivery whose handler
/// reads only `id` and `type` costs no parse, no header copy and no string.
final class DeliveryDetails: Sendable {
    /// Where the delivery's JSON comes from.
    enum JSON: Sendable {
        /// A verified envelope's scan: the SDK's event is built on first read.
        case envelope(JSONParser.Envelope, maxDepth: Int)
        /// The SDK's event, already built (a Telegram update named by its `update_id`).
        case event(WebhookEvent)
        /// Already parsed (bodies that are not objects, direct Telegram updates).
        case parsed(JSONValue)
        /// Hand-made deliveries: the body is parsed on first read.
        case unparsed
    }

    /// Where the delivery's headers come from.
    enum Headers: Sendable {
        /// Exactly these.
        case given(HTTPHeaders)
        /// The request's: the forwarded fields are picked on first read.
        case request(HTTPHeaders)
    }

    private struct Cache {
        var event: WebhookEvent?
        var payload: JSONValue?
        var headers: HTTPHeaders?
    }

    private let body: [UInt8]
    private let json: JSON
    private let headerSource: Headers
    /// `nil`: the event's (an envelope's `occurred_at`).
    private let givenOccurredAt: String?
    private let cache = Mutex(Cache())

    init(body: [UInt8], json: JSON, headers: Headers, occurredAt: String?) {
        self.body = body
        self.json = json
        self.headerSource = headers
        self.givenOccurredAt = occurredAt
    }

    var headers: HTTPHeaders {
        switch headerSource {
        case .given(let headers):
            return headers
        case .request(let request):
            return cache.withLock { cache in
                if let headers = cache.headers { return headers }
                let headers = DeliveryHeaderField.forwarded(from: request)
                cache.headers = headers
                return headers
            }
        }
    }

    var occurredAt: String {
        givenOccurredAt ?? event?.occurredAt ?? ""
    }

    var payload: JSONValue {
        switch json {
        case .envelope, .event: return event?.payload ?? .null
        case .parsed(let value): return value
        case .unparsed: return parsedBody
        }
    }

    /// An envelope's `data` member (`{}` when absent).
    var data: JSONValue {
        switch json {
        case .envelope, .event: return event?.data ?? .object([:])
        case .parsed(let value): return value["data"] ?? .object([:])
        case .unparsed: return parsedBody["data"] ?? .object([:])
        }
    }

    /// The SDK's event, for JSON that is an envelope (its `data` and
    /// `payload` are themselves built on first read).
    private var event: WebhookEvent? {
        switch json {
        case .event(let event):
            return event
        case .envelope(let envelope, let maxDepth):
            return cache.withLock { cache in
                if let event = cache.event { return event }
                let event = WebhookEvent(validatedBody: body, envelope: envelope, maxDepth: maxDepth)
                cache.event = event
                return event
            }
        case .parsed, .unparsed:
            return nil
        }
    }

    /// A hand-made delivery's body as JSON; `.null` if it is not JSON.
    private var parsedBody: JSONValue {
        if let cached = cache.withLock({ $0.payload }) { return cached }
        // Parsed outside the lock: two racing first readers both parse, and get equal values.
        let parsed = (try? JSONValue.parse(utf8: body)) ?? .null
        cache.withLock { $0.payload = parsed }
        return parsed
    }
}
