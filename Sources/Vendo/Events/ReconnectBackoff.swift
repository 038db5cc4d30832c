/// The wait before each reconnection of the event stream.
///
/// The first wait is the server's `retry:` when it sent one, else the initial
/// backoff (1 s); each failure in a row doubles it up to the cap (or up to the
/// server's `retry:` when that is larger); then up to `jitter` of it is added.
/// A `Retry-After` from a 429 or 503 is a floor, capped at ten minutes. The base
/// never goes below 100 ms, so a server sending `retry: 0` cannot cause a busy loop.
struct ReconnectBackoff: Sendable {
    /// The smallest base wait, whatever the server's `retry:` says.
    static let minimumSeconds = 0.1
    /// The longest a `Retry-After` header can make the stream wait.
    static let maximumRetryAfterSeconds = 600.0

    var initialSeconds: Double
    var maximumSeconds: Double
    var jitter: Double
    /// Failures since the last good connection.
    private(set) var failures = 0

    init(initialSeconds: Double, maximumSeconds: Double, jitter: Double) {
        self.initialSeconds = initialSeconds
        self.maximumSeconds = maximumSeconds
        self.jitter = jitter
    }

    /// Forgets past failures: the next wait is the first one again.
    mutating func reset() { failures = 0 }

    /// Counts a failure and returns how long to wait before the next attempt.
    ///
    /// - Parameters:
    ///   - serverRetryMilliseconds: the last `retry:` the server sent, if any.
    ///   - retryAfterSeconds: the failed response's `Retry-After`, if any.
    ///   - random: a number in `0...1` scaling the jitter.
    mutating func nextDelay(serverRetryMilliseconds: Int?, retryAfterSeconds: Int?, random: Double) -> Double {
        let base = max(
            Self.minimumSeconds, serverRetryMilliseconds.map { Double($0) / 1000 } ?? initialSeconds)
        let cap = max(maximumSeconds, base)
        let doubled = base * Double(1 << min(failures, 30))
        failures += 1
        let backoff = min(doubled, cap)
        var delay = backoff + backoff * jitter * min(1, max(0, random))
        if let retryAfterSeconds, retryAfterSeconds > 0 {
            delay = max(delay, min(Double(retryAfterSeconds), Self.maximumRetryAfterSeconds))
        }
        return delay
    }
}

/// The last few event ids, remembered to surface legacy alias events once.
///
/// A fixed-size ring plus a set: memory stays bounded however long the stream runs.
struct RecentEventIDs: Sendable {
    private var ring: [String?]
    private var members: Set<String> = []
    private var next = 0

    init(capacity: Int) {
        ring = Array(repeating: nil, count: max(0, capacity))
    }

    func contains(_ id: String) -> Bool { members.contains(id) }

    /// Remembers `id`, forgetting the oldest when full.
    mutating func insert(_ id: String) {
        guard !ring.isEmpty, !members.contains(id) else { return }
        if let old = ring[next] { members.remove(old) }
        ring[next] = id
        members.insert(id)
        next = (next + 1) % ring.count
    }
}
