import Foundation

/// A token as the credentials service returned it.
struct FetchedToken: Sendable, Equatable {
    var token: String
    /// When the token stops working; `nil` when the service did not say.
    var expiresAt: Date?
}

/// The one process-wide token cache, shared by every `Vendo` instance and the
/// static shortcuts, so no path fetches a token another path already holds.
///
/// Entries are keyed by API key, credentials URL, user JWT and slug: clients
/// with different keys, services or users never see each other's tokens. A
/// token is kept until `expires_at − 60 s`, or 50 minutes when the service
/// gives no expiry. Concurrent lookups of a missing key share one fetch
/// (single flight); a failed fetch is not cached.
///
/// The cache holds at most ``capacity`` tokens (default
/// ``defaultCapacity``): a server that scopes a client per user would
/// otherwise keep every user's tokens forever. Past the limit, expired
/// tokens go first, then those closest to expiry, down to 90 % of the limit.
actor TokenCache {
    /// The cache every client uses.
    static let shared = TokenCache()

    /// How many tokens the shared cache keeps unless told otherwise.
    static let defaultCapacity = 10_000

    /// The most tokens kept (at least 1).
    private(set) var capacity: Int

    init(capacity: Int = TokenCache.defaultCapacity) {
        self.capacity = max(1, capacity)
    }

    /// Changes the limit, evicting at once if the cache is over it.
    func setCapacity(_ capacity: Int, now: Date) {
        self.capacity = max(1, capacity)
        evictIfNeeded(now: now)
    }

    /// Margin before `expires_at` at which a token counts as expired.
    static let expiryMargin: TimeInterval = 60
    /// How long a token without `expires_at` is kept.
    static let defaultLifetime: TimeInterval = 50 * 60

    struct Key: Hashable, Sendable {
        var apiKey: String
        var credentialsURL: String
        var userJWT: String?
        var slug: String
    }

    private struct Entry {
        var token: String
        var validUntil: Date
    }

    private struct Flight {
        var id: UInt64
        var task: Task<FetchedToken, any Error>
    }

    private var entries: [Key: Entry] = [:]
    private var flights: [Key: Flight] = [:]
    private var nextFlightID: UInt64 = 0

    /// The cached token if it is still valid at `now`.
    func cached(_ key: Key, now: Date) -> String? {
        guard let entry = entries[key] else { return nil }
        if entry.validUntil > now { return entry.token }
        entries[key] = nil
        return nil
    }

    /// The cached token, or the result of `fetch`, which runs once however many callers wait.
    func token(
        _ key: Key, clock: @escaping @Sendable () -> Date,
        fetch: @escaping @Sendable () async throws -> FetchedToken
    ) async throws -> String {
        if let token = cached(key, now: clock()) { return token }
        if let flight = flights[key] { return try await flight.task.value.token }
        nextFlightID &+= 1
        let id = nextFlightID
        let task = Task { try await fetch() }
        flights[key] = Flight(id: id, task: task)
        let result: FetchedToken
        do {
            result = try await task.value
        } catch {
            if flights[key]?.id == id { flights[key] = nil }
            throw error
        }
        // An invalidate() during the fetch removed the flight: hand the token to
        // the callers that waited, but do not keep it.
        if flights[key]?.id == id {
            flights[key] = nil
            store(key, result, now: clock())
        }
        return result.token
    }

    /// Keeps a fetched token until its expiry minus the margin (or the default lifetime).
    func store(_ key: Key, _ fetched: FetchedToken, now: Date) {
        let validUntil = fetched.expiresAt.map { $0.addingTimeInterval(-Self.expiryMargin) }
            ?? now.addingTimeInterval(Self.defaultLifetime)
        if validUntil > now {
            entries[key] = Entry(token: fetched.token, validUntil: validUntil)
            evictIfNeeded(now: now)
        } else {
            entries[key] = nil
        }
    }

    private func evictIfNeeded(now: Date) {
        guard entries.count > capacity else { return }
        entries = entries.filter { $0.value.validUntil > now }
        guard entries.count > capacity else { return }
        // Evict to 90 % so a full cache does not sort on every insert.
        let keep = max(1, capacity - capacity / 10)
        let ordered = entries.sorted { $0.value.validUntil > $1.value.validUntil }
        entries = Dictionary(uniqueKeysWithValues: ordered.prefix(keep).map { ($0.key, $0.value) })
    }

    /// Drops the token, and detaches any fetch in flight so its result is not kept.
    func invalidate(_ key: Key) {
        entries[key] = nil
        flights[key] = nil
    }

    /// How many tokens are cached (tests and diagnostics).
    var count: Int { entries.count }
}

/// RFC 3339 timestamps as the credentials service sends them.
enum RFC3339 {
    /// Parses `2026-05-07T10:00:00Z`, with or without fractional seconds, `Z` or an offset.
    static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: trimmed) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: trimmed) { return date }
        // Some services write a space instead of `T`, or a lower-case `t`/`z`: RFC 3339 §5.6 allows both.
        let normalised = trimmed.replacingOccurrences(of: " ", with: "T").uppercased()
        if normalised != trimmed {
            return parse(normalised)
        }
        return nil
    }
}
