import Foundation

/// One subscription's life: connect, read, reconnect, until the consumer goes
/// away (the task is cancelled) or the server refuses for good.
///
/// Each connection runs two child tasks: the reader (transport → parser →
/// consumer) and a watchdog that ends the connection when no byte has arrived
/// for the heartbeat timeout. Cancelling the loop's task cancels both, and the
/// transport's body stream cancels the HTTP request, which closes the socket.
struct EventStreamLoop: Sendable {
    let context: ClientContext
    let options: EventStreamOptions
    let output: AsyncThrowingStream<EventStreamMessage, any Error>.Continuation

    /// The platform's event stream endpoint, under the base URL.
    static let pathSegments = ["api", "deployments", "me", "events"]
    /// How much of an error response's body is read to build the error.
    static let maxErrorBodyBytes = 64 * 1024

    /// How one connection ended.
    enum Outcome: Sendable {
        /// Try again after a backoff; `retryAfter` is the response's `Retry-After`, in seconds.
        case retry(EventStreamReconnect.Reason, retryAfter: Int?)
        /// Stop: the error ends the sequence.
        case fatal(any Error)
        /// The consumer went away.
        case cancelled
    }

    /// What the reader and the watchdog share.
    struct Activity: Sendable {
        /// When the last byte (or the start of the attempt) happened.
        var last: ContinuousClock.Instant
        /// Whether this connection delivered any body byte: if so it counts as good
        /// and the backoff starts over.
        var receivedBytes = false
    }

    /// Parser and de-duplication state, kept across reconnections.
    struct StreamState: Sendable {
        var parser: SSEParser
        var recent: RecentEventIDs

        /// Parses a chunk and drops legacy alias events whose id was already surfaced.
        mutating func consume(_ chunk: Data) -> [SSEParser.Output] {
            parser.parse(chunk).filter { output in
                guard case .event(let message) = output, let id = message.eventID else { return true }
                if EventStreamMessage.legacyConnectionAliases.contains(message.type), recent.contains(id) {
                    return false
                }
                recent.insert(id)
                return true
            }
        }
    }

    func run() async {
        let state = Locked(StreamState(
            parser: SSEParser(maxEventBytes: options.maxEventBytes),
            recent: RecentEventIDs(capacity: options.recentEventIDCapacity)))
        var backoff = ReconnectBackoff(
            initialSeconds: options.initialBackoffSeconds, maximumSeconds: options.maxBackoffSeconds,
            jitter: options.jitter)
        while !Task.isCancelled {
            let activity = Locked(Activity(last: .now))
            switch await connectOnce(state: state, activity: activity) {
            case .cancelled:
                output.finish()
                return
            case .fatal(let error):
                output.finish(throwing: error)
                return
            case .retry(let reason, let retryAfter):
                if activity.withLock({ $0.receivedBytes }) { backoff.reset() }
                let delay = backoff.nextDelay(
                    serverRetryMilliseconds: state.withLock { $0.parser.reconnectionTime },
                    retryAfterSeconds: retryAfter, random: options.random())
                options.onReconnect?(EventStreamReconnect(reason: reason, attempt: backoff.failures, delaySeconds: delay))
                do {
                    try await options.sleep(delay)
                } catch {
                    output.finish()
                    return
                }
            }
        }
        output.finish()
    }

    /// One connection, raced against the heartbeat watchdog.
    private func connectOnce(state: Locked<StreamState>, activity: Locked<Activity>) async -> Outcome {
        let request = makeRequest(lastEventID: state.withLock { $0.parser.lastEventID })
        let timeout = Duration.milliseconds(Int64((options.heartbeatTimeout * 1000).rounded(.up)))
        let outcome = await withTaskGroup(of: Outcome.self) { group -> Outcome in
            group.addTask { await read(request, state: state, activity: activity) }
            group.addTask { await Self.watchdog(activity: activity, timeout: timeout) }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            // Wait for the reader to be done before the parser is reset below.
            while await group.next() != nil {}
            return first
        }
        // Whatever arrived after the last complete event belongs to no one now.
        state.withLock { $0.parser.finish() }
        return Task.isCancelled ? .cancelled : outcome
    }

    /// Sends the request and feeds the body to the parser until it ends.
    private func read(_ request: TransportRequest, state: Locked<StreamState>, activity: Locked<Activity>) async
        -> Outcome
    {
        let response: TransportStreamResponse
        do {
            response = try await context.transport.stream(request)
        } catch {
            return Task.isCancelled ? .cancelled : .retry(.network(Self.describe(error)), retryAfter: nil)
        }
        activity.withLock { $0.last = .now }
        guard response.head.isSuccess else { return await failure(response, url: request.url) }
        if let contentType = response.head.header("Content-Type"), !Self.isEventStream(contentType) {
            return .fatal(VendoError.other(
                code: "invalid_event_stream",
                message: "events.subscribe: \(request.url.absoluteString) answered with Content-Type "
                    + "\"\(contentType)\", not text/event-stream; check the base URL (VENDO_BASE_URL) "
                    + "points at the Vendo platform",
                status: response.head.status))
        }
        do {
            for try await chunk in response.body where !chunk.isEmpty {
                activity.withLock {
                    $0.last = .now
                    $0.receivedBytes = true
                }
                for item in state.withLock({ $0.consume(chunk) }) {
                    switch item {
                    case .event(let message): output.yield(message)
                    case .droppedOversizeEvent(let dropped): options.onEventDropped?(dropped)
                    }
                }
            }
        } catch {
            return Task.isCancelled ? .cancelled : .retry(.network(Self.describe(error)), retryAfter: nil)
        }
        return Task.isCancelled ? .cancelled : .retry(.endOfStream, retryAfter: nil)
    }

    /// A non-2xx answer: 408, 429 and 5xx are worth another try; anything else
    /// (401/403 above all) will not change by retrying, so it ends the sequence.
    private func failure(_ response: TransportStreamResponse, url: URL) async -> Outcome {
        let status = response.head.status
        if status == 408 || status == 429 || (500...599).contains(status) {
            let retryAfter = response.head.header("Retry-After").flatMap {
                VendoError.parseRetryAfter($0, now: Date())
            }
            return .retry(.status(status), retryAfter: retryAfter)
        }
        var body = Data()
        do {
            for try await chunk in response.body {
                body.append(chunk.prefix(Self.maxErrorBodyBytes - body.count))
                if body.count >= Self.maxErrorBodyBytes { break }
            }
        } catch {
            // A body cut short still leaves the status and headers to build the error from.
        }
        if Task.isCancelled { return .cancelled }
        return .fatal(VendoError.from(status: status, headers: response.head.headers, body: body))
    }

    func makeRequest(lastEventID: String?) -> TransportRequest {
        var headers = context.platformHeaders()
        headers["Accept"] = "text/event-stream"
        headers["Cache-Control"] = "no-cache"
        if let lastEventID, !lastEventID.isEmpty { headers["Last-Event-ID"] = lastEventID }
        return TransportRequest(
            method: "GET", url: URLEncoding.url(context.baseURL, segments: Self.pathSegments), headers: headers,
            // The transport's idle timeout backs up the watchdog; the watchdog fires first.
            timeout: options.heartbeatTimeout + 10)
    }

    /// Ends the connection once no byte has arrived for `timeout`.
    static func watchdog(activity: Locked<Activity>, timeout: Duration) async -> Outcome {
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let deadline = activity.withLock { $0.last }.advanced(by: timeout)
            if clock.now >= deadline { return .retry(.heartbeatTimeout, retryAfter: nil) }
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return .cancelled
            }
        }
        return .cancelled
    }

    static func isEventStream(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "text/event-stream"
    }

    static func describe(_ error: any Error) -> String {
        if let urlError = error as? URLError { return "\(urlError.code.rawValue): \(urlError.localizedDescription)" }
        return String(describing: error)
    }
}
