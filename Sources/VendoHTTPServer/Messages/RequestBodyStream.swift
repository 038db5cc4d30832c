import Synchronization

/// The hand-over point between a connection (which pushes body chunks as the
/// parser yields them, on its queue) and a handler (which pulls them from any
/// task). It buffers at most about `highWaterMark` bytes: past that `push`
/// tells the connection to stop reading, and the consumer's demand restarts it.
final class RequestBodyStream: Sendable {
    /// Past this many buffered bytes the connection stops reading the socket.
    static let highWaterMark = 64 * 1024
    /// Below this many buffered bytes a paused connection reads again.
    static let lowWaterMark = 16 * 1024

    /// What the consumer's actions mean for the connection.
    enum Signal: Sendable {
        /// The handler asked for the body for the first time (send `100 Continue`).
        case firstRead
        /// The buffer drained below the low-water mark: read again.
        case demand
    }

    /// The `Content-Length` the client declared, if any.
    let declaredLength: Int?

    private struct State: Sendable {
        var chunks: [[UInt8]] = []
        var readIndex = 0
        var buffered = 0
        var finished = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var hasStartedReading = false
        var isProducerPaused = false
    }

    private let state = Mutex(State())
    private let signal: @Sendable (Signal) -> Void

    /// `signal` is called outside the lock, from the consumer's task.
    init(declaredLength: Int?, signal: @escaping @Sendable (Signal) -> Void) {
        self.declaredLength = declaredLength
        self.signal = signal
    }

    /// Whether the handler has started reading.
    var hasStartedReading: Bool { state.withLock { $0.hasStartedReading } }

    /// Adds a chunk; returns `false` when the buffer is full and the producer
    /// should pause until a `.demand` signal.
    func push(_ bytes: [UInt8]) -> Bool {
        let (waiter, keepGoing) = state.withLock { s -> (CheckedContinuation<[UInt8]?, any Error>?, Bool) in
            if s.finished || s.failure != nil { return (nil, true) }
            if let waiter = s.waiter {
                s.waiter = nil
                return (waiter, true)
            }
            s.chunks.append(bytes)
            s.buffered += bytes.count
            if s.buffered >= Self.highWaterMark {
                s.isProducerPaused = true
                return (nil, false)
            }
            return (nil, true)
        }
        waiter?.resume(returning: bytes)
        return keepGoing
    }

    /// Marks the end of the body.
    func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            if s.finished || s.failure != nil { return nil }
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Ends the body with an error (framing error, timeout, connection gone);
    /// chunks already buffered are dropped.
    func fail(_ error: any Error) {
        let waiter = state.withLock { s -> CheckedContinuation<[UInt8]?, any Error>? in
            if s.finished || s.failure != nil { return nil }
            s.failure = error
            s.chunks = []
            s.readIndex = 0
            s.buffered = 0
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(throwing: error)
    }

    /// The next chunk, `nil` at the end; suspends while none is buffered.
    func next() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
            enum Outcome { case chunk([UInt8]), end, failure(any Error), wait }
            let (outcome, signals) = state.withLock { s -> (Outcome, [Signal]) in
                var signals: [Signal] = []
                if !s.hasStartedReading {
                    s.hasStartedReading = true
                    signals.append(.firstRead)
                }
                if s.readIndex < s.chunks.count {
                    let chunk = s.chunks[s.readIndex]
                    s.chunks[s.readIndex] = []
                    s.readIndex += 1
                    if s.readIndex == s.chunks.count {
                        s.chunks.removeAll(keepingCapacity: true)
                        s.readIndex = 0
                    }
                    s.buffered -= chunk.count
                    if s.isProducerPaused, s.buffered <= Self.lowWaterMark {
                        s.isProducerPaused = false
                        signals.append(.demand)
                    }
                    return (.chunk(chunk), signals)
                }
                if let failure = s.failure { return (.failure(failure), signals) }
                if s.finished { return (.end, signals) }
                if s.isProducerPaused {
                    s.isProducerPaused = false
                    signals.append(.demand)
                }
                s.waiter = continuation
                return (.wait, signals)
            }
            for signal in signals { self.signal(signal) }
            switch outcome {
            case .chunk(let chunk): continuation.resume(returning: chunk)
            case .end: continuation.resume(returning: nil)
            case .failure(let error): continuation.resume(throwing: error)
            case .wait: break
            }
        }
    }
}
