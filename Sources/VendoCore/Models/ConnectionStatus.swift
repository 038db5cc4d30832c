/// Where a connection stands. An open set: statuses the SDK does not know yet
/// decode too and keep their raw string.
///
/// Compare with the constants (`connection.status == .connected`) or with a
/// string literal (`connection.status == "connected"`, as with the 1.0 SDK's
/// `String` field); `switch` works with the constants and a `default`.
public struct ConnectionStatus: OpenStringSet {
    /// The wire string.
    public let rawValue: String

    /// Wraps any status string.
    public init(rawValue: String) { self.rawValue = rawValue }

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
}
