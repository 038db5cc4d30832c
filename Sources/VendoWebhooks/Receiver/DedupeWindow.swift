import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Remembers which deliveries were handled, so a redelivery is acknowledged
/// without running the handlers again.
///
/// - Only **successes** are remembered: after a failure the sender retries and
///   the handlers run again.
/// - Memory is bounded twice: at most `capacity` keys (the oldest go first),
///   and each key is forgotten `window` after it was remembered. The default
///   window is twice the signature's max age: a timestamp is accepted up to
///   max age on either side of now, so a captured delivery can be replayed for
///   at most that long after it was first seen; past that it fails
///   verification anyway.
/// - Concurrent deliveries of one key run the handlers **once**: the first
///   claims the key, later ones wait for its outcome. On success they answer
///   duplicate; on failure one waiter claims the key and runs the handlers
///   again (it is a retry that arrived early), the rest keep waiting.
///
/// A lock, not an actor: two short critical sections per delivery cost less
/// than two actor hops on the hot path. Waiting is by continuation, so no
/// thread blocks.
public final class DedupeWindow: Sendable {
    /// What the caller of ``claim(_:)`` must do.
    public enum Claim: Sendable, Equatable {
        /// The key is yours: run the handlers, then call ``DedupeWindow/finish(_:succeeded:)``.
        case run
        /// Already handled successfully within the window: acknowledge, do not run.
        case duplicate
    }

    /// Default for ``init(capacity:window:now:)``: 20 000 keys (a few MiB at most).
    public static let defaultCapacity = 20_000

    private struct Remembered {
        var expiresAt: Double
        var sequence: UInt64
    }

    private struct State {
        var remembered: [String: Remembered] = [:]
        /// Insertion order = expiry order (the window is fixed), oldest at `head`.
        var order: [(key: String, sequence: UInt64)] = []
        var head = 0
        var nextSequence: UInt64 = 0
        var inFlight: [String: [CheckedContinuation<Void, Never>]] = [:]

        mutating func forgetExpired(now: Double, capacity: Int) {
            while head < order.count {
                let (key, sequence) = order[head]
                guard let entry = remembered[key], entry.sequence == sequence else {
                    head += 1  // stale: the key was forgotten or remembered again later
                    continue
                }
                guard entry.expiresAt <= now || remembered.count > capacity else { break }
                remembered.removeValue(forKey: key)
                head += 1
            }
            if head > 1024, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let windowSeconds: Double
    private let now: @Sendable () -> Double

    /// Creates a window.
    /// - Parameters:
    ///   - capacity: the most keys remembered at once (at least 1); the oldest are forgotten first.
    ///   - window: how long a success is remembered (default 600 s, twice the default max age).
    ///   - now: a monotonic clock in seconds; inject one in tests.
    public init(
        capacity: Int = DedupeWindow.defaultCapacity, window: Duration = .seconds(600),
        now: @escaping @Sendable () -> Double = DedupeWindow.monotonicSeconds
    ) {
        self.capacity = max(1, capacity)
        self.windowSeconds = window.seconds
        self.now = now
    }

    /// Seconds on the system's monotonic clock (`CLOCK_MONOTONIC`): the default clock.
    @Sendable public static func monotonicSeconds() -> Double {
        // Read directly: `ContinuousClock.now - origin` costs two 128-bit
        // multiplications per call, and this runs once or twice per delivery.
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }

    /// Claims `key` for handling, waiting while another delivery of it is in flight.
    public func claim(_ key: String) async -> Claim {
        while true {
            if let claim = claimWithoutWaiting(key) { return claim }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let queued = state.withLock { state -> Bool in
                    guard state.inFlight[key] != nil else { return false }
                    state.inFlight[key]!.append(continuation)
                    return true
                }
                // The holder finished between the two locks: look again at once.
                if !queued { continuation.resume() }
            }
        }
    }

    /// Claims `key` when that needs no waiting; `nil` while another delivery
    /// of it is in flight (then ``claim(_:)`` waits for its outcome). The
    /// receiver's hot path: no suspension point when nothing is in flight.
    func claimWithoutWaiting(_ key: String) -> Claim? {
        let time = now()
        // Expired keys are dropped in finish(); here an expired entry simply does not count.
        return state.withLock { state -> Claim? in
            if let entry = state.remembered[key], entry.expiresAt > time { return .duplicate }
            if state.inFlight[key] != nil { return nil }
            state.inFlight[key] = []
            return .run
        }
    }

    /// Ends a claim: remembers `key` when the handlers succeeded, and wakes waiters.
    public func finish(_ key: String, succeeded: Bool) {
        let time = now()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let waiters = state.inFlight.removeValue(forKey: key) ?? []
            if succeeded {
                let sequence = state.nextSequence
                state.nextSequence &+= 1
                state.remembered[key] = Remembered(expiresAt: time + windowSeconds, sequence: sequence)
                state.order.append((key, sequence))
            }
            state.forgetExpired(now: time, capacity: capacity)
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether `key` is remembered as handled (and not yet expired).
    public func contains(_ key: String) -> Bool {
        let time = now()
        return state.withLock { state in
            guard let entry = state.remembered[key] else { return false }
            return entry.expiresAt > time
        }
    }

    /// How many keys are remembered now (expired ones are dropped first).
    public var count: Int {
        let time = now()
        return state.withLock { state in
            state.forgetExpired(now: time, capacity: capacity)
            return state.remembered.count
        }
    }

    /// How many deliveries wait for the in-flight claim of `key`.
    func waiterCount(_ key: String) -> Int { state.withLock { $0.inFlight[key]?.count ?? 0 } }

    /// How many claims are in flight (handlers running).
    public var inFlightCount: Int { state.withLock { $0.inFlight.count } }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
