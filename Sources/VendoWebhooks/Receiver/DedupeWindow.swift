import Synchronization

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

    /// The keys remembered as handled, oldest first, and the keys in flight.
    ///
    /// Remembered keys sit in a ring in the order they were remembered, which
    /// is also their expiry order (the window is fixed), so forgetting is
    /// dropping from the front. They are found through `index`, which maps a
    /// 64-bit hash of the key (`Hasher`, seeded per process) to the key's
    /// sequence number; the slot's key is compared before it counts. A
    /// dictionary of plain integers costs far less to probe, grow and delete
    /// from than one of `String` keys, and a new key is a delivery's common
    /// case.
    ///
    /// Two different keys with one hash (about one chance in 10^11 with a
    /// full window) share an index entry: the later one wins, and the earlier
    /// one is forgotten early. A redelivery of it would run its handlers
    /// again, the safe side for at-least-once delivery: a delivery is never
    /// taken for a duplicate it is not.
    ///
    /// Keys in flight are found by the same hash, so a delivery hashes its
    /// key once. Should two keys in flight at once share a hash, the later
    /// one waits for the earlier one's outcome and then claims its own key:
    /// a short wait, never a wrong answer.
    private struct State {
        struct Slot {
            let key: String
            let hash: Int
            let expiresAt: Double
        }

        /// Ring storage: sequence number `n` lives at `ring[n % capacity]`.
        /// Grows up to `capacity` before it wraps, so a quiet receiver stays small.
        var ring: [Slot] = []
        /// The sequence numbers in the ring are `oldest..<next`.
        var oldest: UInt64 = 0
        var next: UInt64 = 0
        /// Key hash → sequence number of the key's latest slot, always one in
        /// the ring (dropping a slot drops the entry that points at it), so
        /// its count is the number of keys remembered.
        var index: [Int: UInt64] = [:]
        struct Claimed {
            let key: String
            var waiters: [CheckedContinuation<Void, Never>] = []
        }

        /// Key hash → the key whose handlers run now, with the deliveries
        /// waiting for its outcome.
        var inFlight: [Int: Claimed] = [:]
        let capacity: Int

        init(capacity: Int) { self.capacity = capacity }

        /// The latest slot for `key` when it is remembered and not expired.
        func isRemembered(_ key: String, hash: Int, now: Double) -> Bool {
            guard let sequence = index[hash] else { return false }
            assert(sequence >= oldest && sequence < next, "the index points outside the ring")
            let slot = ring[Int(sequence % UInt64(capacity))]
            return slot.expiresAt > now && slot.key == key
        }

        /// `claimWithoutWaiting`: `.run` (now in flight), `.duplicate`, or
        /// `nil` while the key is in flight.
        mutating func claim(_ key: String, hash: Int, now: Double) -> Claim? {
            if isInFlight(hash) { return nil }
            if isRemembered(key, hash: hash, now: now) { return .duplicate }
            inFlight[hash] = Claimed(key: key)
            return .run
        }

        /// Whether a claim on `hash` is held (usually none is: no lookup then).
        func isInFlight(_ hash: Int) -> Bool {
            !inFlight.isEmpty && inFlight[hash] != nil
        }

        /// `claimHandled`: a claim whose key is remembered at once.
        mutating func claimHandled(_ key: String, hash: Int, now: Double, expiresAt: Double) -> Claim? {
            if isInFlight(hash) { return nil }
            if isRemembered(key, hash: hash, now: now) { return .duplicate }
            remember(key, hash: hash, expiresAt: expiresAt)
            return .run
        }

        /// Ends a claim; returns the deliveries that waited for it.
        mutating func finish(
            _ key: String, hash: Int, succeeded: Bool, expiresAt: Double
        ) -> [CheckedContinuation<Void, Never>] {
            var waiters: [CheckedContinuation<Void, Never>] = []
            if let entry = inFlight.index(forKey: hash), inFlight[entry].value.key == key {
                waiters = inFlight.remove(at: entry).value.waiters
            }
            if succeeded { remember(key, hash: hash, expiresAt: expiresAt) }
            return waiters
        }

        /// Appends `key` as its own latest slot, making room first when the ring is full.
        mutating func remember(_ key: String, hash: Int, expiresAt: Double) {
            if next - oldest == UInt64(capacity) { dropOldest() }
            let sequence = next
            let slot = Slot(key: key, hash: hash, expiresAt: expiresAt)
            if ring.count < capacity {
                ring.append(slot)
            } else {
                ring[Int(sequence % UInt64(capacity))] = slot
            }
            next += 1
            // A key remembered again, or another key with this hash: the
            // earlier slot stays in the ring but no longer counts.
            index[hash] = sequence
        }

        private mutating func dropOldest() {
            let position = Int(oldest % UInt64(capacity))
            let hash = ring[position].hash
            if let entry = index.index(forKey: hash), index[entry].value == oldest { index.remove(at: entry) }
            ring[position] = Slot(key: "", hash: 0, expiresAt: 0)  // frees the key now, not when overwritten
            oldest += 1
        }

        /// Forgets expired keys: the front of the ring. (`remember` makes room
        /// when the ring is full.)
        mutating func forgetExpired(now: Double) {
            while oldest < next {
                let slot = ring[Int(oldest % UInt64(capacity))]
                guard slot.expiresAt <= now else { break }
                dropOldest()
            }
        }
    }

    private let state: Mutex<State>
    private let windowSeconds: Double
    private let now: @Sendable () -> Double
    private let keyHash: (@Sendable (String) -> Int)?

    /// Creates a window.
    /// - Parameters:
    ///   - capacity: the most keys remembered at once (at least 1); the oldest are forgotten first.
    ///   - window: how long a success is remembered (default 600 s, twice the default max age).
    ///   - now: a monotonic clock in seconds; inject one in tests.
    public convenience init(
        capacity: Int = DedupeWindow.defaultCapacity, window: Duration = .seconds(600),
        now: @escaping @Sendable () -> Double = DedupeWindow.monotonicSeconds
    ) {
        self.init(capacity: capacity, window: window, now: now, keyHash: nil)
    }

    /// `keyHash` replaces the keys' hash (tests force collisions with it).
    init(
        capacity: Int = DedupeWindow.defaultCapacity, window: Duration = .seconds(600),
        now: @escaping @Sendable () -> Double = DedupeWindow.monotonicSeconds,
        keyHash: (@Sendable (String) -> Int)?
    ) {
        self.state = Mutex(State(capacity: max(1, capacity)))
        self.windowSeconds = window.seconds
        self.now = now
        self.keyHash = keyHash
    }

    private func hash(of key: String) -> Int {
        if let keyHash { return keyHash(key) }
        return key.hashValue
    }

    /// A key with its hash, for a caller that makes several calls for one
    /// key (claim, then finish) and would otherwise hash it each time.
    struct HashedKey: Sendable {
        let key: String
        let hash: Int
    }

    func hashed(_ key: String) -> HashedKey { HashedKey(key: key, hash: hash(of: key)) }

    /// Seconds on the system's monotonic clock (`CLOCK_MONOTONIC`): the default clock.
    @Sendable public static func monotonicSeconds() -> Double {
        MonotonicTime.seconds()
    }

    /// Claims `key` for handling, waiting while another delivery of it is in flight.
    public func claim(_ key: String) async -> Claim {
        let key = hashed(key)
        while true {
            if let claim = claimWithoutWaiting(key) { return claim }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let queued = state.withLock { state -> Bool in
                    guard state.inFlight[key.hash] != nil else { return false }
                    state.inFlight[key.hash]!.waiters.append(continuation)
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
        claimWithoutWaiting(hashed(key))  // hashed outside the lock
    }

    func claimWithoutWaiting(_ key: HashedKey) -> Claim? {
        let time = now()
        return state.withLock { $0.claim(key.key, hash: key.hash, now: time) }
    }

    /// Claims `key` and records it as handled, in one step, for a delivery
    /// that has nothing to run: ``claimWithoutWaiting(_:)`` and then
    /// ``finish(_:succeeded:)`` with success, under one lock and one lookup.
    /// `.run` when the key was new (it is remembered now), `.duplicate`, or
    /// `nil` while another delivery of it is in flight.
    func claimHandled(_ key: String) -> Claim? {
        claimHandled(hashed(key))
    }

    func claimHandled(_ key: HashedKey) -> Claim? {
        let time = now()
        return state.withLock { state in
            let outcome = state.claimHandled(key.key, hash: key.hash, now: time, expiresAt: time + windowSeconds)
            if outcome == .run { state.forgetExpired(now: time) }
            return outcome
        }
    }

    /// Ends a claim: remembers `key` when the handlers succeeded, and wakes waiters.
    public func finish(_ key: String, succeeded: Bool) {
        finish(hashed(key), succeeded: succeeded)
    }

    func finish(_ key: HashedKey, succeeded: Bool) {
        let time = now()
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            let waiters = state.finish(key.key, hash: key.hash, succeeded: succeeded, expiresAt: time + windowSeconds)
            state.forgetExpired(now: time)
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether `key` is remembered as handled (and not yet expired).
    public func contains(_ key: String) -> Bool {
        let time = now()
        let hash = hash(of: key)
        return state.withLock { $0.isRemembered(key, hash: hash, now: time) }
    }

    /// How many keys are remembered now (expired ones are dropped first).
    public var count: Int {
        let time = now()
        return state.withLock { state in
            state.forgetExpired(now: time)
            return state.index.count
        }
    }

    /// How many deliveries wait for the in-flight claim of `key`.
    func waiterCount(_ key: String) -> Int {
        let hash = hash(of: key)
        return state.withLock { state in
            guard let claimed = state.inFlight[hash], claimed.key == key else { return 0 }
            return claimed.waiters.count
        }
    }

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
