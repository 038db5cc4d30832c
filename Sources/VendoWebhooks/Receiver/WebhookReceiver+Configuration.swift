extension WebhookReceiver {
    /// The receiver's limits. Every default is documented here and in docs/receiver.md.
    public struct Configuration: Sendable {
        /// The largest body accepted, in bytes (default 1 MiB). Larger ⇒ 413 `payload_too_large`.
        /// The server's own body limit applies as well: keep this at or below it.
        public var maxBodySize: Int
        /// How long each handler may run (default 30 s) unless its registration says
        /// otherwise. Past it the delivery is answered 503 and the handler's task is cancelled.
        public var handlerTimeout: Duration
        /// The most delivery keys remembered for deduplication (default 20 000).
        public var dedupeCapacity: Int
        /// How long a handled key is remembered; `nil` (default) ⇒ twice the signature max age.
        public var dedupeWindow: Duration?
        /// The `Retry-After` seconds sent with a 503 (default 5).
        public var retryAfterSeconds: Int

        /// Creates a configuration; every parameter has the documented default.
        public init(
            maxBodySize: Int = 1_048_576,
            handlerTimeout: Duration = .seconds(30),
            dedupeCapacity: Int = DedupeWindow.defaultCapacity,
            dedupeWindow: Duration? = nil,
            retryAfterSeconds: Int = 5
        ) {
            self.maxBodySize = maxBodySize
            self.handlerTimeout = handlerTimeout
            self.dedupeCapacity = dedupeCapacity
            self.dedupeWindow = dedupeWindow
            self.retryAfterSeconds = retryAfterSeconds
        }

        /// Refuses values that would make the receiver useless or unsafe.
        func validate(maxAgeSeconds: Int) throws(WebhookConfigurationError) {
            guard maxBodySize > 0 else {
                throw WebhookConfigurationError("maxBodySize must be at least 1 byte (got \(maxBodySize))")
            }
            guard handlerTimeout > .zero else {
                throw WebhookConfigurationError("handlerTimeout must be positive (got \(handlerTimeout))")
            }
            guard dedupeCapacity > 0 else {
                throw WebhookConfigurationError("dedupeCapacity must be at least 1 (got \(dedupeCapacity))")
            }
            if let dedupeWindow, dedupeWindow <= .zero {
                throw WebhookConfigurationError("dedupeWindow must be positive (got \(dedupeWindow))")
            }
            guard retryAfterSeconds >= 0 else {
                throw WebhookConfigurationError("retryAfterSeconds must not be negative (got \(retryAfterSeconds))")
            }
            guard maxAgeSeconds > 0 else {
                throw WebhookConfigurationError("maxAgeSeconds must be positive (got \(maxAgeSeconds))")
            }
        }
    }
}

/// A receiver, endpoint or handler was set up with values it cannot work with.
/// The message says which value and what to do.
public struct WebhookConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public let message: String

    /// Creates the error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
