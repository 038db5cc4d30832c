import Foundation

/// How ``EventsAPI/subscribe(options:)`` connects, waits and reconnects.
///
/// Every default is the platform's documented behaviour: reconnect forever,
/// 1 s doubling up to 30 s, plus up to 25 % jitter; the server sends `: ping`
/// every 25 s, so 50 s without a byte means the connection is dead.
public struct EventStreamOptions: Sendable {
    /// The longest wait between reconnection attempts, before jitter, in seconds. Default 30.
    public var maxBackoffSeconds: Double
    /// The first wait after a failure, in seconds. Default 1. A server's `retry:` replaces it.
    public var initialBackoffSeconds: Double
    /// The largest extra wait, as a fraction of the backoff (0.25 = up to 25 % more). Default 0.25.
    public var jitter: Double
    /// Seconds without a single byte (event or `: ping`) after which the connection
    /// is taken for dead and replaced. Default 50 (twice the server's 25 s heartbeat).
    public var heartbeatTimeout: Double
    /// The largest event kept, in bytes; larger ones are dropped and reported to
    /// ``onEventDropped``. Default 1 MiB (see ``SSEParser``).
    public var maxEventBytes: Int
    /// How many recent event ids are remembered to surface a legacy alias event
    /// (`connection_created`…) only once. Default 512.
    public var recentEventIDCapacity: Int
    /// The most events kept for the consumer before it takes them. Default 10,000
    /// (``defaultMaxBufferedEvents``).
    ///
    /// When the buffer is full the stream stops reading: it closes the connection
    /// (``onReconnect`` sees ``EventStreamReconnect/Reason/bufferFull``), waits until
    /// the consumer has taken at least half of the buffer, then reconnects with
    /// `Last-Event-ID` set to the last event that fit, so the server replays the
    /// rest in order. Nothing is lost while the server still holds the missed
    /// events (the platform keeps the last 100). An event that did not fit while
    /// no event so far carried an `id:` cannot be replayed: it is reported to
    /// ``onEventDropped`` with reason ``SSEParser/DroppedEvent/Reason/bufferFull``.
    public var maxBufferedEvents: Int
    /// Called before each reconnection wait, with why and how long. Default none.
    public var onReconnect: (@Sendable (EventStreamReconnect) -> Void)?
    /// Called when an event is dropped: one over ``maxEventBytes``, or one that did
    /// not fit in the buffer and cannot be replayed (see ``maxBufferedEvents``). Default none.
    public var onEventDropped: (@Sendable (SSEParser.DroppedEvent) -> Void)?
    /// Waits the given number of seconds; throws on cancellation. Default `Task.sleep`.
    /// Replace it in tests to observe or shorten the reconnection waits.
    public var sleep: @Sendable (Double) async throws -> Void
    /// Returns a number in `0...1` that scales the jitter. Default uniform random.
    public var random: @Sendable () -> Double

    /// Creates options; every parameter defaults to the value in its description.
    public init(
        maxBackoffSeconds: Double = 30,
        initialBackoffSeconds: Double = 1,
        jitter: Double = 0.25,
        heartbeatTimeout: Double = 50,
        maxEventBytes: Int = SSEParser.defaultMaxEventBytes,
        recentEventIDCapacity: Int = 512,
        maxBufferedEvents: Int = EventStreamOptions.defaultMaxBufferedEvents,
        onReconnect: (@Sendable (EventStreamReconnect) -> Void)? = nil,
        onEventDropped: (@Sendable (SSEParser.DroppedEvent) -> Void)? = nil,
        sleep: @escaping @Sendable (Double) async throws -> Void = EventStreamOptions.taskSleep,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.maxBackoffSeconds = maxBackoffSeconds
        self.initialBackoffSeconds = initialBackoffSeconds
        self.jitter = jitter
        self.heartbeatTimeout = heartbeatTimeout
        self.maxEventBytes = maxEventBytes
        self.recentEventIDCapacity = recentEventIDCapacity
        self.maxBufferedEvents = maxBufferedEvents
        self.onReconnect = onReconnect
        self.onEventDropped = onEventDropped
        self.sleep = sleep
        self.random = random
    }

    /// The default ``maxBufferedEvents``: 10,000 events.
    public static let defaultMaxBufferedEvents = 10_000

    /// `Task.sleep` for a number of seconds; cancellation ends the wait with `CancellationError`.
    public static let taskSleep: @Sendable (Double) async throws -> Void = { seconds in
        guard seconds > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
    }

    /// Checks every value and says which one is wrong and what is allowed.
    func validated() throws -> EventStreamOptions {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw VendoError.validation(message: "events.subscribe: \(message)") }
        }
        try check(maxBackoffSeconds.isFinite && maxBackoffSeconds > 0,
            "maxBackoffSeconds must be a positive number of seconds (got \(maxBackoffSeconds))")
        try check(initialBackoffSeconds.isFinite && initialBackoffSeconds > 0,
            "initialBackoffSeconds must be a positive number of seconds (got \(initialBackoffSeconds))")
        try check(jitter.isFinite && jitter >= 0, "jitter must be 0 or more (got \(jitter))")
        try check(heartbeatTimeout.isFinite && heartbeatTimeout > 0,
            "heartbeatTimeout must be a positive number of seconds (got \(heartbeatTimeout))")
        try check(maxEventBytes > 0, "maxEventBytes must be at least 1 (got \(maxEventBytes))")
        try check(recentEventIDCapacity >= 0, "recentEventIDCapacity must be 0 or more (got \(recentEventIDCapacity))")
        try check(maxBufferedEvents > 0,
            "maxBufferedEvents must be at least 1 (got \(maxBufferedEvents)); it bounds the events kept for a slow consumer")
        return self
    }
}

/// Why and when the event stream reconnects (see ``EventStreamOptions/onReconnect``).
public struct EventStreamReconnect: Sendable, CustomStringConvertible {
    /// Why the previous connection ended.
    public enum Reason: Sendable, Equatable {
        /// The server closed the stream.
        case endOfStream
        /// No byte arrived within ``EventStreamOptions/heartbeatTimeout``.
        case heartbeatTimeout
        /// The server answered with a status worth retrying (5xx, 408, 429).
        case status(Int)
        /// The connection failed (refused, reset, DNS, timeout…); the text describes it.
        case network(String)
        /// The consumer fell ``EventStreamOptions/maxBufferedEvents`` events behind: the
        /// stream closed the connection and reconnects, resuming after the last event
        /// that fit, once the consumer has taken at least half of them. Not a failure:
        /// `attempt` is 0 and `delaySeconds` 0, as the wait lasts as long as the consumer takes.
        case bufferFull
    }

    /// Why the previous connection ended.
    public var reason: Reason
    /// Failures in a row so far, this one included (1 after a connection that had worked).
    public var attempt: Int
    /// How long the stream waits before connecting again, in seconds.
    public var delaySeconds: Double

    /// A sentence for logs.
    public var description: String {
        let why: String
        switch reason {
        case .endOfStream: why = "the server closed the stream"
        case .heartbeatTimeout: why = "no data or heartbeat arrived in time"
        case .status(let status): why = "the server answered HTTP \(status)"
        case .network(let text): why = "the connection failed (\(text))"
        case .bufferFull:
            return "event stream: the consumer is not keeping up and the event buffer is full; "
                + "reconnecting from the last buffered event once it has caught up"
        }
        return "event stream: \(why); reconnecting in \(String(format: "%.2f", delaySeconds)) s (attempt \(attempt))"
    }
}
