/// A verified webhook delivery, as ``WebhooksAPI/verify(headers:body:maxAgeSeconds:)-(_,String,_)`` returns it.
///
/// The four named fields come from the body's `id`, `type`, `occurred_at` and
/// `data` members; a missing (or non-string) `id`, `type` or `occurred_at` is
/// `""` and a missing `data` is `{}`. Delivery is at least once: use ``id`` to
/// drop repeats. ``payload`` keeps the whole body, for members beyond the four
/// (a forwarded provider update, for instance).
public struct WebhookEvent: Sendable, Equatable, Codable {
    /// The event's unique id: the key to deduplicate deliveries on.
    public let id: String
    /// The event type, e.g. `connection.connected`.
    public let type: String
    /// When the event happened (RFC 3339 text, as sent).
    public let occurredAt: String
    /// The event-specific payload; `{}` when the body has no `data`.
    public let data: JSONValue
    /// The whole body as parsed (always an object).
    public let payload: JSONValue

    /// Creates an event. `payload` defaults to the object the four fields make up.
    public init(id: String = "", type: String = "", occurredAt: String = "", data: JSONValue = [:], payload: JSONValue? = nil) {
        self.id = id
        self.type = type
        self.occurredAt = occurredAt
        self.data = data
        self.payload = payload ?? .object(["id": .string(id), "type": .string(type), "occurred_at": .string(occurredAt), "data": data])
    }

    /// Reads the four fields out of a parsed body, with the defaults above.
    public init(body object: [String: JSONValue]) {
        self.init(
            id: object["id"]?.stringValue ?? "",
            type: object["type"]?.stringValue ?? "",
            occurredAt: object["occurred_at"]?.stringValue ?? "",
            data: object["data"] ?? .object([:]),
            payload: .object(object))
    }

    /// Decodes a body object (snake_case members), with the same defaults as ``init(body:)``.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let object) = value else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "A webhook event must be a JSON object"))
        }
        self.init(body: object)
    }

    /// Encodes ``payload`` with the four named members set from the properties.
    public func encode(to encoder: any Encoder) throws {
        var object = payload.objectValue ?? [:]
        object["id"] = .string(id)
        object["type"] = .string(type)
        object["occurred_at"] = .string(occurredAt)
        object["data"] = data
        try JSONValue.object(object).encode(to: encoder)
    }
}
