/// The platform's live event stream (server-sent events). Vendo mode only.
///
/// Reach it as `vendo.events`. See ``subscribe(maxBackoffSeconds:)``.
public struct EventsAPI: Sendable {
    let context: ClientContext

    init(context: ClientContext) {
        self.context = context
    }

    /// Subscribes to the deployment's connection and billing events.
    ///
    /// Equivalent to ``subscribe(options:)`` with only the backoff cap changed.
    ///
    /// - Parameter maxBackoffSeconds: the longest wait between reconnection attempts,
    ///   before jitter; default 30.
    /// - Throws: ``VendoError/vendoOnlyFeature(featureName:)`` in OSS mode, at once and
    ///   before any I/O; ``VendoError/validation(message:)`` when the cap is not a positive number.
    public func subscribe(maxBackoffSeconds: Double = 30) throws -> EventsAsyncSequence {
        try subscribe(options: EventStreamOptions(maxBackoffSeconds: maxBackoffSeconds))
    }

    /// Subscribes to the deployment's connection and billing events.
    ///
    /// Each iteration of the returned sequence holds one connection to
    /// `GET {base}/api/deployments/me/events` carrying the client's headers
    /// (its key, API version and, on a user-scoped client, `X-Vendo-User-JWT`)
    /// and `Accept: text/event-stream`. The stream:
    ///
    /// - reconnects forever after a network failure, a 408, 429 or 5xx answer, or
    ///   the end of the stream, waiting 1 s, doubling up to `maxBackoffSeconds`,
    ///   plus up to 25 % jitter; the server's `retry:` replaces the first wait and a
    ///   `Retry-After` header is a floor; the wait starts over after a connection
    ///   that delivered data;
    /// - sends `Last-Event-ID` with the last id it saw, so the server replays what
    ///   was missed (up to its 100-event buffer);
    /// - replaces a connection that delivered no byte (not even the 25 s `: ping`)
    ///   for `heartbeatTimeout` (50 s);
    /// - surfaces each event once when the server also sends it under a legacy
    ///   name (`connection_created`, `connection_deleted`, `connection_updated`
    ///   with an id already seen are skipped);
    /// - drops an event over `maxEventBytes` (1 MiB) and reports it to `onEventDropped`;
    /// - throws the mapped ``VendoError`` and ends on 401/403 (and other 4xx):
    ///   retrying cannot fix a bad key.
    ///
    /// - Throws: ``VendoError/vendoOnlyFeature(featureName:)`` in OSS mode, at once and
    ///   before any I/O; ``VendoError/validation(message:)`` naming an invalid option.
    public func subscribe(options: EventStreamOptions) throws -> EventsAsyncSequence {
        try context.requireVendoMode("events.subscribe")
        return EventsAsyncSequence(context: context, options: try options.validated())
    }
}
