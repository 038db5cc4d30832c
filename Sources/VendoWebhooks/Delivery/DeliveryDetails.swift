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
        /// The scan of a verified JSON object (an envelope, or a provider's
        /// object body): the SDK's event is built from it on first read.
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
        /// The request's: the forwarded fields are picked on first read, and
        /// the rest of the request's header section is let go then.
        case request(HTTPHeaders)
    }

    /// Where the delivery's `occurredAt` comes from.
    enum OccurredAt: Sendable {
        /// This text (`""` for provider deliveries).
        case given(String)
        /// The envelope's `occurred_at`, decoded with the event.
        case fromEvent
    }

    private struct Cache {
        var event: WebhookEvent?
        var payload: JSONValue?
        var headers: Headers
    }

    private let body: [UInt8]
    private let json: JSON
    private let occurredAtSource: OccurredAt
    private let cache: Mutex<Cache>

    init(body: [UInt8], json: JSON, headers: Headers, occurredAt: OccurredAt) {
        self.body = body
        self.json = json
        self.occurredAtSource = occurredAt
        self.cache = Mutex(Cache(headers: headers))
    }

    var headers: HTTPHeaders {
        cache.withLock { cache in
            switch cache.headers {
            case .given(let headers):
                return headers
            case .request(let request):
                let headers = DeliveryHeaderField.forwarded(from: request)
                cache.headers = .given(headers)
                return headers
            }
        }
    }

    var occurredAt: String {
        switch occurredAtSource {
        case .given(let text): return text
        case .fromEvent: return event?.occurredAt ?? ""
        }
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
