import Vendo

/// A scripted stand-in for `vendo.events.subscribe()`: an `AsyncSequence` of
/// ``EventStreamMessage`` that plays its steps in order and ends, or fails.
///
/// ```swift
/// let events = MockSSE([
///     .event("connection.connected", ["slug": "openai"]),
///     .event("billing.cap_warned", ["window": "daily", "pct": 80]),
///     .failure(VendoError.auth(message: "Key revoked", code: "app_revoked")),
/// ])
/// for try await event in events { … }   // two events, then the error
/// ```
///
/// Each iteration replays the script from the start. For events pushed while
/// the code under test runs, use ``live()``.
public struct MockSSE: AsyncSequence, Sendable {
    /// Each element is one event.
    public typealias Element = EventStreamMessage

    /// One step of the script.
    public enum Step: Sendable {
        /// Deliver this event.
        case event(EventStreamMessage)
        /// End the sequence by throwing this error.
        case failure(any Error)
        /// Wait this long before the next step (cancellation ends the wait and the sequence).
        case pause(Duration)

        /// An event of `type` with payload `data` (and, when given, SSE id `id`).
        public static func event(_ type: String, _ data: JSONValue = [:], id: String? = nil) -> Step {
            .event(EventStreamMessage(type: type, data: data, id: id))
        }
    }

    private enum Source: Sendable {
        case script([Step])
        case live(AsyncThrowingStream<EventStreamMessage, any Error>)
    }

    private let source: Source

    /// A sequence playing `steps`.
    public init(_ steps: [Step]) {
        source = .script(steps)
    }

    /// A sequence of `events`, then `failure` if given, else the end.
    public init(events: [EventStreamMessage], thenFail failure: (any Error)? = nil) {
        source = .script(events.map(Step.event) + (failure.map { [Step.failure($0)] } ?? []))
    }

    /// A sequence fed while it is iterated: push with the returned ``Feed``.
    /// It can be iterated once.
    public static func live() -> (events: MockSSE, feed: Feed) {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: EventStreamMessage.self)
        return (MockSSE(source: .live(stream)), Feed(continuation: continuation))
    }

    private init(source: Source) {
        self.source = source
    }

    /// Pushes events into a ``MockSSE/live()`` sequence.
    public struct Feed: Sendable {
        let continuation: AsyncThrowingStream<EventStreamMessage, any Error>.Continuation

        /// Delivers `event`.
        public func send(_ event: EventStreamMessage) { continuation.yield(event) }

        /// Delivers an event of `type` with payload `data`.
        public func send(_ type: String, _ data: JSONValue = [:], id: String? = nil) {
            send(EventStreamMessage(type: type, data: data, id: id))
        }

        /// Ends the sequence by throwing `error`.
        public func fail(_ error: any Error) { continuation.finish(throwing: error) }

        /// Ends the sequence.
        public func finish() { continuation.finish() }
    }

    /// Starts playing the script (or reading the live feed).
    public func makeAsyncIterator() -> Iterator {
        switch source {
        case .script(let steps): return Iterator(mode: .script(steps[...]))
        case .live(let stream): return Iterator(mode: .live(stream.makeAsyncIterator()))
        }
    }

    /// Plays one run of the script.
    public struct Iterator: AsyncIteratorProtocol {
        enum Mode {
            case script(ArraySlice<Step>)
            case live(AsyncThrowingStream<EventStreamMessage, any Error>.Iterator)
            case done
        }

        var mode: Mode

        /// The next event; `nil` at the end; throws a scripted failure.
        public mutating func next() async throws -> EventStreamMessage? {
            switch mode {
            case .done:
                return nil
            case .live(var iterator):
                let event = try await iterator.next()
                mode = event == nil ? .done : .live(iterator)
                return event
            case .script(var steps):
                while let step = steps.popFirst() {
                    switch step {
                    case .event(let event):
                        mode = .script(steps)
                        return event
                    case .failure(let error):
                        mode = .done
                        throw error
                    case .pause(let duration):
                        do {
                            try await Task.sleep(for: duration)
                        } catch {
                            mode = .done
                            return nil
                        }
                    }
                }
                mode = .done
                return nil
            }
        }
    }
}
