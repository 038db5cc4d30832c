/// Counts the events handed to the consumer's buffer but not taken yet, so the
/// stream can stop reading when the consumer falls behind and resume once it
/// has caught up, without ever holding more than ``EventStreamOptions/maxBufferedEvents``.
///
/// The loop counts before it yields and the iterator counts each event it
/// returns; the loop waits on ``waitUntil(atMost:)`` while the consumer drains.
final class EventBufferGauge: Sendable {
    private struct State {
        var pending = 0
        var waiter: (limit: Int, continuation: CheckedContinuation<Void, Never>)?
        var cancelled = false
    }

    private let state = Locked(State())

    /// Events in the buffer right now (never more than the stream's bound).
    var pending: Int { state.withLock { $0.pending } }

    /// Called before an event is yielded, so the consumer can never take it before it is counted.
    func willYield() {
        state.withLock { $0.pending += 1 }
    }

    /// Called when a counted event did not go into the buffer after all.
    func notBuffered() {
        state.withLock { $0.pending -= 1 }
    }

    /// Called by the iterator for each event it returns; wakes the loop once enough room is free.
    func taken() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.pending -= 1
            guard let waiter = s.waiter, s.pending <= waiter.limit else { return nil }
            s.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns once at most `limit` events wait in the buffer, or when the task is cancelled.
    func waitUntil(atMost limit: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if s.pending <= limit || s.cancelled { return true }
                    s.waiter = (limit, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                s.cancelled = true
                defer { s.waiter = nil }
                return s.waiter?.continuation
            }
            waiter?.resume()
        }
    }
}
