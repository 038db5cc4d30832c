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
    /// The envelope's `occurred_at` as sent; `""` when absent and for
    /// provider deliveries. Decoded on first read.
    public var occurredAt: String { details.occurredAt }
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
    /// `User-Agent`, under those spellings. Never the signature or any
    /// secret-bearing header. Picked from the request on first read.
    public var headers: HTTPHeaders { details.headers }

    private let details: DeliveryDetails

    /// Makes a delivery by hand (tests, or replaying a stored body).
    public init(
        id: String, type: String, occurredAt: String = "", rawBody: [UInt8],
        provider: String? = nil, connectionID: String? = nil, dedupeKey: String? = nil,
        isEnvelope: Bool = true, source: Source = .vendo, headers: HTTPHeaders = HTTPHeaders()
    ) {
        self.id = id
        self.type = type
        self.rawBody = rawBody
        self.provider = provider
        self.connectionID = connectionID
        self.dedupeKey = dedupeKey ?? id
        self.isEnvelope = isEnvelope
        self.source = source
        self.details = DeliveryDetails(
            body: rawBody, json: .unparsed, headers: .given(headers), occurredAt: .given(occurredAt))
    }

    /// A delivery whose body was already validated; `details` holds what is
    /// built on first read.
    init(
        id: String, type: String, rawBody: [UInt8], provider: String?, connectionID: String?, dedupeKey: String,
        isEnvelope: Bool, source: Source, details: DeliveryDetails
    ) {
        self.id = id
        self.type = type
        self.rawBody = rawBody
        self.provider = provider
        self.connectionID = connectionID
        self.dedupeKey = dedupeKey
        self.isEnvelope = isEnvelope
        self.source = source
        self.details = details
    }

    /// The whole body as JSON, parsed on first use and kept.
    /// `.null` if the body is not JSON (only possible for hand-made deliveries).
    public var payload: JSONValue { details.payload }

    /// An envelope's `data` member (`{}` when absent); for a provider delivery
    /// the whole body. Parsed on first use and kept.
    public var data: JSONValue { isEnvelope ? details.data : details.payload }
}

extension WebhookDelivery: CustomReflectable {
    /// What `dump` and other `Mirror` readers show: the delivery's
    /// properties (without `data` and `payload`, which parse the body),
    /// never the request headers its forwarded ones are picked from.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "type": type, "occurredAt": occurredAt, "rawBody": rawBody,
                "provider": provider as Any, "connectionID": connectionID as Any, "dedupeKey": dedupeKey,
                "isEnvelope": isEnvelope, "source": source, "headers": headers,
            ],
            displayStyle: .struct)
    }
}
