/// The platform's live events, as an `AsyncSequence` of ``EventStreamMessage``.
///
/// Nothing happens until you iterate: each iterator opens its own connection
/// to `GET {base}/api/deployments/me/events` and keeps it alive across network
/// failures, server restarts and silences (see ``EventsAPI/subscribe(options:)``).
/// The sequence ends by throwing a ``VendoError`` only when retrying cannot
/// help (401/403 or another 4xx other than 408/429); otherwise it never ends
/// on its own. Leave the loop with `break`, or cancel the task iterating it:
/// the connection is closed at once.
///
/// ```swift
/// for try await event in try vendo.events.subscribe() {
///     if event.type == "connection.connected", let slug = event.slug {
///         await vendo.invalidate(slug)
///     }
/// }
/// ```
///
/// Events the consumer has not taken yet wait in a buffer of at most
/// ``EventStreamOptions/maxBufferedEvents`` (10,000). When it is full the
/// stream stops reading: it closes the connection, waits until the consumer
/// has taken at least half of the buffer, and reconnects with `Last-Event-ID`
/// set to the last event that fit, so the server replays the rest (within its
/// 100-event replay window). Memory stays bounded however slow the consumer is,
/// and events with ids are neither lost nor repeated.
public struct EventsAsyncSequence: AsyncSequence, Sendable {
    /// Each element is one event.
    public typealias Element = EventStreamMessage

    let context: ClientContext
    let options: EventStreamOptions

    init(context: ClientContext, options: EventStreamOptions) {
        self.context = context
        self.options = options
    }

    /// Opens a connection and returns an iterator over its events.
    public func makeAsyncIterator() -> Iterator {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: EventStreamMessage.self, bufferingPolicy: .bufferingOldest(options.maxBufferedEvents))
        let gauge = EventBufferGauge()
        let loop = EventStreamLoop(context: context, options: options, output: continuation, gauge: gauge)
        let task = Task { await loop.run() }
        continuation.onTermination = { _ in task.cancel() }
        return Iterator(base: stream.makeAsyncIterator(), lifetime: ConnectionLifetime(task: task), gauge: gauge)
    }

    /// Iterates one connection's events; dropping it closes the connection.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<EventStreamMessage, any Error>.Iterator
        let lifetime: ConnectionLifetime
        let gauge: EventBufferGauge

        /// The next event; `nil` after cancellation; throws when the stream ends for good.
        public mutating func next() async throws -> EventStreamMessage? {
            let event = try await base.next()
            if event != nil { gauge.taken() }
            return event
        }

        /// The next event, run in the caller's isolation.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error)
            -> EventStreamMessage?
        {
            let event = try await base.next(isolation: actor)
            if event != nil { gauge.taken() }
            return event
        }
    }

    /// Cancels the connection's task when the last copy of an iterator goes away,
    /// so leaving a `for` loop early never leaks a connection.
    final class ConnectionLifetime: Sendable {
        let task: Task<Void, Never>
        init(task: Task<Void, Never>) { self.task = task }
        deinit { task.cancel() }
    }
}
