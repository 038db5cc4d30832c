/// Where a connection stands. An open set: statuses the SDK does not know yet
/// decode too and keep their raw string.
///
/// Compare with the constants (`connection.status == .connected`) or with a
/// string literal (`connection.status == "connected"`, as with the 1.0 SDK's
/// `String` field); `switch` works with the constants and a `default`.
public struct ConnectionStatus: RawRepresentable, Hashable, Sendable, Codable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    /// The wire string.
    public let rawValue: String

    /// Wraps any status string.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Wraps a status string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Bound and usable.
    public static let connected = ConnectionStatus(rawValue: "connected")
    /// In the deployment's catalogue but not bound yet (see `setupURL`).
    public static let available = ConnectionStatus(rawValue: "available")
    /// Binding started but not finished.
    public static let pendingSetup = ConnectionStatus(rawValue: "pending_setup")
    /// The user must authorise again.
    public static let needsReauth = ConnectionStatus(rawValue: "needs_reauth")
    /// The connection failed (see `errorMessage`).
    public static let error = ConnectionStatus(rawValue: "error")
    /// The connection was revoked.
    public static let revoked = ConnectionStatus(rawValue: "revoked")

    /// Every status this SDK version knows.
    public static let known: [ConnectionStatus] = [
        .connected, .available, .pendingSetup, .needsReauth, .error, .revoked,
    ]

    /// Whether this SDK version knows the status.
    public var isKnown: Bool { Self.known.contains(self) }

    /// The wire string.
    public var description: String { rawValue }

    /// Decodes the wire string, whatever it is.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the wire string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
