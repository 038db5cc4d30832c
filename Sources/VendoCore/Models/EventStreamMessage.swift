/// One server-sent event from the platform's event stream.
///
/// `type` is the SSE `event:` field (`"message"` when the server sent none),
/// for example `connection.connected` or `billing.cap_warned`. `data` is the
/// `data:` payload parsed as JSON; when it is not JSON it is kept as
/// ``JSONValue/string(_:)``. `id` is the event's own `id:` field and `retry`
/// the `retry:` field (milliseconds) sent in the same event block, each `nil`
/// when that block had none.
public struct EventStreamMessage: Sendable, Hashable, Codable {
    /// The event type (SSE `event:`), `"message"` by default.
    public let type: String
    /// The payload: parsed JSON, or the raw text as a string when it is not JSON.
    public let data: JSONValue
    /// The SSE `id:` of this event, when its block carried one.
    public let id: String?
    /// The SSE `retry:` (milliseconds) sent in this event's block, when there was one.
    public let retry: Int?

    /// Creates a message, e.g. for tests (see `VendoTesting.MockSSE`).
    public init(type: String = "message", data: JSONValue, id: String? = nil, retry: Int? = nil) {
        self.type = type
        self.data = data
        self.id = id
        self.retry = retry
    }
}

extension EventStreamMessage {
    /// The event's identity for de-duplication: its SSE `id:`, else the payload's `id` string.
    public var eventID: String? {
        if let id, !id.isEmpty { return id }
        return data["id"]?.stringValue
    }

    /// The payload's `slug` (connection events carry one), if any.
    public var slug: String? { data["slug"]?.stringValue }

    /// Whether this is a connection event: a `connection.*` kind or a legacy
    /// `connection_created` / `connection_deleted` / `connection_updated` alias.
    public var isConnectionEvent: Bool {
        type.hasPrefix("connection.") || Self.legacyConnectionAliases.contains(type)
    }

    /// The legacy event names older servers send again, with the same payload and id,
    /// after each canonical `connection.*` event.
    public static let legacyConnectionAliases: Set<String> = [
        "connection_created", "connection_deleted", "connection_updated",
    ]
}
