/// Runs one operation at a time and lets concurrent callers share its result.
///
/// Nothing is kept afterwards: the next call after completion runs again.
actor SingleFlight<Value: Sendable> {
    private var current: Task<Value, any Error>?
    /// Callers waiting on the current operation, its starter included (tests observe joining through it).
    private(set) var waiting = 0

    /// The running operation's result, or `operation`'s if none is running.
    func run(_ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let current {
            waiting += 1
            return try await current.value
        }
        let task = Task { try await operation() }
        current = task
        waiting = 1
        defer {
            current = nil
            waiting = 0
        }
        return try await task.value
    }
}
