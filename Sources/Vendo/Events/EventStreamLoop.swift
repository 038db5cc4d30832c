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
    /// Buffers at most ``EventStreamOptions/maxBufferedEvents`` (`.bufferingOldest`):
    /// a yield that does not fit comes back `.dropped`.
    let output: AsyncThrowingStream<EventStreamMessage, any Error>.Continuation
    /// How many yielded events the consumer has not taken yet.
    let gauge: EventBufferGauge

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
        /// The `Last-Event-ID` as of the last event the consumer's buffer took:
        /// where to resume when the buffer was full.
        var deliveredID: String?

        /// A legacy alias event whose id was already surfaced.
        func isRepeat(_ message: EventStreamMessage) -> Bool {
            guard let id = message.eventID else { return false }
            return EventStreamMessage.legacyConnectionAliases.contains(message.type) && recent.contains(id)
        }

        /// Notes an event the buffer took; only then is its id "seen", so an event that
        /// did not fit is not mistaken for a repeat when the server replays it.
        mutating func delivered(_ message: EventStreamMessage) {
            if let id = message.eventID { recent.insert(id) }
            if let id = message.id { deliveredID = id }
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
            case .retry(.bufferFull, _):
                // The connection did its job; the wait lasts as long as the consumer takes.
                backoff.reset()
                options.onReconnect?(EventStreamReconnect(reason: .bufferFull, attempt: 0, delaySeconds: 0))
                await gauge.waitUntil(atMost: options.maxBufferedEvents / 2)
                if Task.isCancelled {
                    output.finish()
                    return
                }
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
                let items = state.withLock { $0.parser.parse(chunk) }
                for (index, item) in items.enumerated() {
                    switch item {
                    case .event(let message):
                        if state.withLock({ $0.isRepeat(message) }) { continue }
                        if !deliver(message, state: state) {
                            stopReading(undelivered: items[index...], state: state)
                            return .retry(.bufferFull, retryAfter: nil)
                        }
                    case .droppedOversizeEvent(let dropped): options.onEventDropped?(dropped)
                    }
                }
            }
        } catch {
            return Task.isCancelled ? .cancelled : .retry(.network(Self.describe(error)), retryAfter: nil)
        }
        return Task.isCancelled ? .cancelled : .retry(.endOfStream, retryAfter: nil)
    }

    /// Hands an event to the consumer's buffer; `false` when the buffer is full.
    private func deliver(_ message: EventStreamMessage, state: Locked<StreamState>) -> Bool {
        // Counted first, so the consumer cannot take it before it is counted.
        gauge.willYield()
        switch output.yield(message) {
        case .enqueued:
            state.withLock { $0.delivered(message) }
            return true
        case .dropped, .terminated:
            gauge.notBuffered()
            return false
        @unknown default:
            gauge.notBuffered()
            return false
        }
    }

    /// The buffer is full: resume later from the last event it took, so the server
    /// replays `undelivered` and everything after it. Without any id to resume from
    /// they cannot come back: each event among them is reported as dropped.
    private func stopReading(undelivered: ArraySlice<SSEParser.Output>, state: Locked<StreamState>) {
        let resumeID = state.withLock { s -> String? in
            s.parser.resume(from: s.deliveredID)
            return s.deliveredID
        }
        // A consumer that left (cancelled) dropped nothing it wanted.
        guard resumeID?.isEmpty ?? true, !Task.isCancelled, let report = options.onEventDropped else { return }
        for case .event(let message) in undelivered {
            report(SSEParser.DroppedEvent(
                type: message.type, id: message.id, limit: options.maxBufferedEvents, reason: .bufferFull))
        }
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
