/// Runs one operation at a time and lets concurrent callers share its result.
///
/// Nothing is kept afterwards: the next call after completion runs again.
actor SingleFlight<Value: Sendable> {
    private var current: Task<Value, any Error>?

    /// The running operation's result, or `operation`'s if none is running.
    func run(_ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let current { return try await current.value }
        let task = Task { try await operation() }
        current = task
        defer { current = nil }
        return try await task.value
    }
}
