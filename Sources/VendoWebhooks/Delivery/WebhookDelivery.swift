import Synchronization
import VendoCore
import VendoHTTPServer

/// One verified delivery, as handlers receive it.
///
/// Two kinds arrive on the webhook path, both signed by Vendo:
/// - a **Vendo envelope**: a JSON object with non-empty string `id` and `type`
///   (and usually `occurred_at`, `data`); routed by `type`, deduplicated by `id`;
/// - a **provider delivery**: a provider's own body forwarded by Vendo's hooks
///   worker (a Telegram update), with `x-vendo-provider` and
///   `x-vendo-connection-id`; routed as `provider.<name>`
///   (`provider.unknown` when the header is absent), deduplicated as described
///   on ``dedupeKey``.
///
/// The direct Telegram path produces provider deliveries too, with
/// ``source`` `.telegramDirect`.
public struct WebhookDelivery: Sendable {
    /// Where the delivery came from.
    public enum Source: String, Sendable {
        /// Signed by Vendo (`Vendo-Signature`), on the webhook path.
        case vendo
        /// Sent by Telegram to the direct path (`X-Telegram-Bot-Api-Secret-Token`).
        case telegramDirect = "telegram_direct"
    }

    /// The envelope's `id`; for provider deliveries, the same as ``dedupeKey``.
    public let id: String
    /// The envelope's `type`; for provider deliveries `provider.<name>`.
    public let type: String
    /// The envelope's `occurred_at` as sent; `""` when absent and for provider deliveries.
    public let occurredAt: String
    /// Exactly the bytes that were verified.
    public let rawBody: [UInt8]
    /// The provider (`x-vendo-provider`, lower-cased), `"telegram"` on the direct path, else `nil`.
    public let provider: String?
    /// The connection's id (`x-vendo-connection-id`), when sent.
    public let connectionID: String?
    /// What the dedupe window remembers: the envelope `id`; for Telegram
    /// `telegram:<connection id>:<update_id>` (`direct` in place of the
    /// connection id on the direct path); for other provider bodies
    /// `<provider>:sig:<Vendo-Signature>`.
    public let dedupeKey: String
    /// Whether the body is a Vendo envelope (see the type's description).
    public let isEnvelope: Bool
    /// Where the delivery came from.
    public let source: Source
    /// The request headers a handler may need: `Vendo-Timestamp`,
    /// `X-Vendo-Provider`, `X-Vendo-Connection-Id`, `Content-Type`,
    /// `User-Agent`. Never the signature or any secret-bearing header.
    public let headers: HTTPHeaders

    private let json: DeliveryJSON

    /// Makes a delivery by hand (tests, or replaying a stored body).
    public init(
        id: String, type: String, occurredAt: String = "", rawBody: [UInt8],
        provider: String? = nil, connectionID: String? = nil, dedupeKey: String? = nil,
        isEnvelope: Bool = true, source: Source = .vendo, headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.id = id
        self.type = type
        self.occurredAt = occurredAt
        self.rawBody = rawBody
        self.provider = provider
        self.connectionID = connectionID
        self.dedupeKey = dedupeKey ?? id
        self.isEnvelope = isEnvelope
        self.source = source
        self.headers = headers
        self.json = .lazy(LazyJSON(rawBody))
    }

    /// A delivery whose body was already validated: `json` is the SDK's
    /// verified event (built lazily) or the parsed value.
    init(
        id: String, type: String, occurredAt: String, rawBody: [UInt8], provider: String?, connectionID: String?,
        dedupeKey: String, isEnvelope: Bool, source: Source, headers: HTTPHeaders, json: DeliveryJSON
    ) {
        self.id = id
        self.type = type
        self.occurredAt = occurredAt
        self.rawBody = rawBody
        self.provider = provider
        self.connectionID = connectionID
        self.dedupeKey = dedupeKey
        self.isEnvelope = isEnvelope
        self.source = source
        self.headers = headers
        self.json = json
    }

    /// The whole body as JSON, parsed on first use and kept.
    /// `.null` if the body is not JSON (only possible for hand-made deliveries).
    public var payload: JSONValue {
        switch json {
        case .event(let event): return event.payload
        case .parsed(let value): return value
        case .lazy(let lazy): return lazy.value
        }
    }

    /// An envelope's `data` member (`{}` when absent); for a provider delivery
    /// the whole body. Parsed on first use and kept.
    public var data: JSONValue {
        guard isEnvelope else { return payload }
        switch json {
        case .event(let event): return event.data  // builds only the `data` member
        case .parsed(let value): return value["data"] ?? .object([:])
        case .lazy(let lazy): return lazy.value["data"] ?? .object([:])
        }
    }
}

/// Where a delivery's JSON comes from.
enum DeliveryJSON: Sendable {
    /// The SDK's verified event: the body was validated, `data`/`payload` are built on first read and kept.
    case event(WebhookEvent)
    /// Already parsed (bodies that are not objects, Telegram updates).
    case parsed(JSONValue)
    /// Hand-made deliveries: parsed on first read.
    case lazy(LazyJSON)
}

/// Parses a body once, on first access, from whichever task asks first.
final class LazyJSON: Sendable {
    private let bytes: [UInt8]
    private let cache = Mutex<JSONValue?>(nil)

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var value: JSONValue {
        if let cached = cache.withLock({ $0 }) { return cached }
        // Parse outside the lock: two racing first readers both parse, both get the same value.
        let parsed = (try? JSONValue.parse(utf8: bytes)) ?? .null
        cache.withLock { $0 = parsed }
        return parsed
    }
}
