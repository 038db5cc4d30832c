import Synchronization

/// A value guarded by a mutex.
///
/// The receiver's hot path touches shared state (dedupe memory, metrics,
/// lazily parsed bodies) a few times per delivery; an uncontended mutex costs
/// tens of nanoseconds, an actor hop a suspension. `Mutex` is stored inline,
/// so a `Locked` is one allocation (an `NSLock` would add a second object and
/// a `pthread_mutex_init` per instance).
final class Locked<State: Sendable>: Sendable {
    private let mutex: Mutex<State>

    init(_ state: State) { self.mutex = Mutex(state) }

    /// Runs `body` with exclusive access to the state. Keep `body` short and never suspend in it.
    @inline(__always)
    func withLock<R>(_ body: (inout State) -> R) -> R {
        // `body` runs synchronously under the lock; its result is handed back as is.
        nonisolated(unsafe) var result: R?
        mutex.withLock { value in result = body(&value) }
        return result!
    }
}
