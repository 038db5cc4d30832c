import Foundation

/// A value guarded by a lock.
///
/// The receiver's hot path touches shared state (dedupe memory, metrics) a few
/// times per delivery; an uncontended mutex costs tens of nanoseconds, an actor
/// hop costs a suspension. `Synchronization.Mutex` would do the same job but is
/// not available on the package's minimum macOS, so this wraps `NSLock`.
final class Locked<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    init(_ state: State) { self.state = state }

    /// Runs `body` with exclusive access to the state. Keep `body` short and never suspend in it.
    @inline(__always)
    func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}
