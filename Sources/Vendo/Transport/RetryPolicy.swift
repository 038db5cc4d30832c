import Foundation

/// When and how long the SDK waits before trying a request again.
///
/// Defaults follow Vendo's SDKs: at most 3 attempts in all, on network errors
/// and on 500, 502, 503 and 504; the wait before retry *n* (1-based) is
/// `initialBackoff × 2^(n-1)`, capped at `maxBackoff`, plus a random extra of
/// up to `jitter` of that (25 %). `sleep` and `random` are injectable so tests
/// run without real waiting and with known jitter.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included. `1` disables retries. Default 3.
    public var maxAttempts: Int
    /// The wait before the first retry, in seconds. Default 0.5.
    public var initialBackoff: TimeInterval
    /// The longest wait before jitter, in seconds. Default 10.
    public var maxBackoff: TimeInterval
    /// The largest extra wait, as a fraction of the backoff (0.25 = up to 25 % more). Default 0.25.
    public var jitter: Double
    /// Statuses that are retried. Default 500, 502, 503, 504.
    public var retryableStatuses: Set<Int>
    /// Waits the given number of seconds. Default `Task.sleep`, which throws on cancellation.
    public var sleep: @Sendable (TimeInterval) async throws -> Void
    /// Returns a number in `0...1` that scales the jitter. Default uniform random.
    public var random: @Sendable () -> Double

    /// Creates a policy; every parameter defaults to the value in the type's description.
    public init(
        maxAttempts: Int = 3,
        initialBackoff: TimeInterval = 0.5,
        maxBackoff: TimeInterval = 10,
        jitter: Double = 0.25,
        retryableStatuses: Set<Int> = [500, 502, 503, 504],
        sleep: @escaping @Sendable (TimeInterval) async throws -> Void = RetryPolicy.taskSleep,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = max(0, initialBackoff)
        self.maxBackoff = max(0, maxBackoff)
        self.jitter = max(0, jitter)
        self.retryableStatuses = retryableStatuses
        self.sleep = sleep
        self.random = random
    }

    /// The defaults described above.
    public static var `default`: RetryPolicy { RetryPolicy() }

    /// No retries: one attempt per request.
    public static var none: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// Sleeps with `Task.sleep`; cancellation ends the wait with `CancellationError`.
    public static let taskSleep: @Sendable (TimeInterval) async throws -> Void = { seconds in
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
    }

    /// The backoff before retry number `retry` (1 = the wait after the first attempt), before jitter.
    public func baseDelay(beforeRetry retry: Int) -> TimeInterval {
        let exponent = max(0, retry - 1)
        // 2^exponent overflows Double only far beyond any cap; clamp the exponent anyway.
        let raw = initialBackoff * pow(2, Double(min(exponent, 60)))
        return min(raw, maxBackoff)
    }

    /// The full wait before retry number `retry`: the base delay plus up to `jitter` of it.
    public func delay(beforeRetry retry: Int) -> TimeInterval {
        let base = baseDelay(beforeRetry: retry)
        let unit = min(1, max(0, random()))
        return base + base * jitter * unit
    }

    /// Whether a response with `status` should be tried again.
    public func shouldRetry(status: Int) -> Bool { retryableStatuses.contains(status) }
}
