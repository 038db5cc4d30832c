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

    /// What is known about one key. One table for both states, so each step
    /// of a delivery hashes its key once.
    private enum Entry {
        /// Only ever a lookup's default: the key is not in the table.
        case vacant
        /// Handlers are running; these deliveries of the key wait for the outcome.
        case inFlight([CheckedContinuation<Void, Never>])
        /// Handled successfully; a repeat before `expiresAt` is a duplicate.
        case remembered(expiresAt: Double, sequence: UInt64)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var rememberedCount = 0
        var inFlightCount = 0
        /// Insertion order = expiry order (the window is fixed), oldest at `head`.
        var order: [(key: String, sequence: UInt64)] = []
        var head = 0
        var nextSequence: UInt64 = 0

        /// `claimWithoutWaiting` in one lookup: the entry is changed in place.
        mutating func claim(_ key: String, now: Double) -> Claim? {
            var outcome: Claim?
            var replacedExpired = false
            Self.claim(
                &entries[key, default: .vacant], now: now, becoming: .inFlight([]),
                outcome: &outcome, replacedExpired: &replacedExpired)
            if replacedExpired { rememberedCount -= 1 }
            if outcome == .run { inFlightCount += 1 }
            return outcome
        }

        /// `claimHandled` in one lookup: a claim whose entry is remembered at once.
        mutating func claimHandled(_ key: String, now: Double, expiresAt: Double) -> Claim? {
            let sequence = nextSequence
            var outcome: Claim?
            var replacedExpired = false
            Self.claim(
                &entries[key, default: .vacant], now: now, becoming: .remembered(expiresAt: expiresAt, sequence: sequence),
                outcome: &outcome, replacedExpired: &replacedExpired)
            if outcome == .run {
                nextSequence &+= 1
                if !replacedExpired { rememberedCount += 1 }  // an expired entry was counted already
                order.append((key, sequence))
            }
            return outcome
        }

        /// The claim on one entry: a vacant or expired one becomes `becoming`
        /// (`.run`); one in flight gives `nil`, one remembered `.duplicate`.
        private static func claim(
            _ entry: inout Entry, now: Double, becoming: Entry, outcome: inout Claim?, replacedExpired: inout Bool
        ) {
            switch entry {
            case .vacant:
                entry = becoming
                outcome = .run
            case .inFlight:
                outcome = nil
            case .remembered(let expiresAt, _) where expiresAt > now:
                outcome = .duplicate
            case .remembered:
                // Expired: it no longer counts, and this delivery runs again.
                entry = becoming
                replacedExpired = true
                outcome = .run
            }
        }

        /// Ends a claim; returns the deliveries that waited for it.
        mutating func finish(_ key: String, succeeded: Bool, expiresAt: Double) -> [CheckedContinuation<Void, Never>] {
            let previous: Entry?
            if succeeded {
                let sequence = nextSequence
                nextSequence &+= 1
                previous = entries.updateValue(.remembered(expiresAt: expiresAt, sequence: sequence), forKey: key)
                rememberedCount += 1
                order.append((key, sequence))
            } else if let index = entries.index(forKey: key), case .inFlight = entries[index].value {
                previous = entries.remove(at: index).value
            } else {
                previous = nil  // nothing was claimed: a failure changes nothing
            }
            switch previous {
            case .inFlight(let waiters)?:
                inFlightCount -= 1
                return waiters
            case .remembered?:
                rememberedCount -= 1  // remembered again (finish without a claim)
                return []
            case .vacant?, nil:
                return []
            }
        }

        mutating func forgetExpired(now: Double, capacity: Int) {
            while head < order.count {
                let (key, sequence) = order[head]
                guard let index = entries.index(forKey: key),
                      case .remembered(let expiresAt, sequence) = entries[index].value else {
                    head += 1  // stale: the key was forgotten, claimed again or remembered again later
                    continue
                }
                guard expiresAt <= now || rememberedCount > capacity else { break }
                entries.remove(at: index)
                rememberedCount -= 1
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
                    guard case .inFlight(var waiters)? = state.entries[key] else { return false }
                    waiters.append(continuation)
                    state.entries[key] = .inFlight(waiters)
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
        return state.withLock { $0.claim(key, now: time) }
    }

    /// Claims `key` and records it as handled, in one step, for a delivery
    /// that has nothing to run: ``claimWithoutWaiting(_:)`` and then
    /// ``finish(_:succeeded:)`` with success, under one lock and one lookup.
    /// `.run` when the key was new (it is remembered now), `.duplicate`, or
    /// `nil` while another delivery of it is in flight.
    func claimHandled(_ key: String) -> Claim? {
        let time = now()
        return state.withLock { state in
            let outcome = state.claimHandled(key, now: time, expiresAt: time + windowSeconds)
            if outcome == .run { state.forgetExpired(now: time, capacity: capacity) }
            return outcome
        }
    }

    /// Ends a claim: remembers `key` when the handlers succeeded, and wakes waiters.
    public func finish(_ key: String, succeeded: Bool) {
        let time = now()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let waiters = state.finish(key, succeeded: succeeded, expiresAt: time + windowSeconds)
            state.forgetExpired(now: time, capacity: capacity)
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether `key` is remembered as handled (and not yet expired).
    public func contains(_ key: String) -> Bool {
        let time = now()
        return state.withLock { state in
            guard case .remembered(let expiresAt, _)? = state.entries[key] else { return false }
            return expiresAt > time
        }
    }

    /// How many keys are remembered now (expired ones are dropped first).
    public var count: Int {
        let time = now()
        return state.withLock { state in
            state.forgetExpired(now: time, capacity: capacity)
            return state.rememberedCount
        }
    }

    /// How many deliveries wait for the in-flight claim of `key`.
    func waiterCount(_ key: String) -> Int {
        state.withLock { state in
            guard case .inFlight(let waiters)? = state.entries[key] else { return 0 }
            return waiters.count
        }
    }

    /// How many claims are in flight (handlers running).
    public var inFlightCount: Int { state.withLock { $0.inFlightCount } }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
