#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A verified webhook delivery, as ``WebhooksAPI`` returns it.
///
/// The named fields come from the body's `id`, `type`, `occurred_at` and
/// `data` members; a missing (or non-string) `id`, `type` or `occurred_at` is
/// `""` and a missing `data` is `{}`. Delivery is at least once: use ``id`` to
/// drop repeats. ``payload`` is the whole body, for members beyond the four
/// (a forwarded provider update, for instance).
///
/// Verification checks the whole body against the JSON grammar but builds
/// ``data`` and ``payload`` only when first read (then keeps them): an endpoint
/// that dedupes on ``id`` and hands the raw body on never pays for building them.
public struct WebhookEvent: Sendable, Equatable, Codable {
    /// The event's unique id: the key to deduplicate deliveries on.
    public let id: String
    /// The event type, e.g. `connection.connected`.
    public let type: String
    /// When the event happened (RFC 3339 text, as sent).
    public let occurredAt: String
    private let storage: Storage

    /// The event-specific payload; `{}` when the body has no `data`.
    public var data: JSONValue { storage.data }
    /// The whole body as parsed (always an object).
    public var payload: JSONValue { storage.payload }

    /// Creates an event. `payload` defaults to the object the four fields make up.
    public init(id: String = "", type: String = "", occurredAt: String = "", data: JSONValue = [:], payload: JSONValue? = nil) {
        self.id = id
        self.type = type
        self.occurredAt = occurredAt
        let payload = payload ?? .object(["id": .string(id), "type": .string(type), "occurred_at": .string(occurredAt), "data": data])
        storage = Storage(data: data, payload: payload)
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

    /// An event over validated body bytes whose envelope was scanned already.
    package init(validatedBody: [UInt8], envelope: JSONParser.Envelope, maxDepth: Int) {
        id = envelope.id ?? ""
        type = envelope.type ?? ""
        occurredAt = envelope.occurredAt.map { range in
            validatedBody.withUnsafeBytes { JSONParser.string(at: range, in: $0) }
        } ?? ""
        storage = Storage(body: validatedBody, dataRange: envelope.data, maxDepth: maxDepth)
    }

    /// Equal when the four fields and the payload are equal.
    public static func == (lhs: WebhookEvent, rhs: WebhookEvent) -> Bool {
        lhs.id == rhs.id && lhs.type == rhs.type && lhs.occurredAt == rhs.occurredAt
            && lhs.data == rhs.data && lhs.payload == rhs.payload
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

    /// Holds `data` and `payload`, built eagerly or on first read from the body.
    ///
    /// `@unchecked Sendable`: the mutable caches are only touched under `lock`,
    /// and the body they are built from never changes.
    final class Storage: @unchecked Sendable {
        private struct Cache {
            var data: JSONValue?
            var payload: JSONValue?
        }

        private let cache: Locked<Cache>
        private let body: [UInt8]
        private let dataRange: Range<Int>?
        private let maxDepth: Int

        init(data: JSONValue, payload: JSONValue) {
            body = []
            dataRange = nil
            maxDepth = 0
            cache = Locked(Cache(data: data, payload: payload))
        }

        init(body: [UInt8], dataRange: Range<Int>?, maxDepth: Int) {
            self.body = body
            self.dataRange = dataRange
            self.maxDepth = maxDepth
            cache = Locked(Cache())
        }

        var data: JSONValue {
            cache.withLock { cache in
                if let data = cache.data { return data }
                let value: JSONValue
                if case .object(let object)? = cache.payload {
                    value = object["data"] ?? .object([:])
                } else if let dataRange {
                    value = build(dataRange)
                } else {
                    value = .object([:])
                }
                cache.data = value
                return value
            }
        }

        var payload: JSONValue {
            cache.withLock { cache in
                if let payload = cache.payload { return payload }
                let value = build(body.indices)
                cache.payload = value
                return value
            }
        }

        /// Builds a value from bytes the strict scan already accepted, so it
        /// cannot fail; should it ever, `null` is returned rather than trapping.
        private func build(_ range: Range<Int>) -> JSONValue {
            body.withUnsafeBytes { bytes in
                (try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[range]), maxDepth: maxDepth)) ?? .null
            }
        }
    }
}
