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
///
/// A lock rather than an actor: a cached `token(_:)` is a dictionary lookup,
/// and an executor hop would cost more than the lookup itself. Nothing is
/// awaited while the lock is held; a fetch runs in its own task.
final class TokenCache: Sendable {
    /// The cache every client uses.
    static let shared = TokenCache()

    /// How many tokens the shared cache keeps unless told otherwise.
    static let defaultCapacity = 10_000

    /// Margin before `expires_at` at which a token counts as expired.
    static let expiryMargin: TimeInterval = 60
    /// How long a token without `expires_at` is kept.
    static let defaultLifetime: TimeInterval = 50 * 60

    /// What the keys of one client share; built once per client (see `ClientContext.tokenScope`).
    struct Scope: Hashable, Sendable {
        var apiKey: String
        var credentialsURL: String
        var userJWT: String?
    }

    struct Key: Hashable, Sendable {
        var scope: Scope
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

    private struct State {
        var capacity: Int
        var entries: [Key: Entry] = [:]
        var flights: [Key: Flight] = [:]
        var nextFlightID: UInt64 = 0

        mutating func cached(_ key: Key, now: Date) -> String? {
            guard let entry = entries[key] else { return nil }
            if entry.validUntil > now { return entry.token }
            entries[key] = nil
            return nil
        }

        mutating func store(_ key: Key, _ fetched: FetchedToken, now: Date) {
            let validUntil = fetched.expiresAt.map { $0.addingTimeInterval(-TokenCache.expiryMargin) }
                ?? now.addingTimeInterval(TokenCache.defaultLifetime)
            if validUntil > now {
                entries[key] = Entry(token: fetched.token, validUntil: validUntil)
                evictIfNeeded(now: now)
            } else {
                entries[key] = nil
            }
        }

        mutating func evictIfNeeded(now: Date) {
            guard entries.count > capacity else { return }
            entries = entries.filter { $0.value.validUntil > now }
            guard entries.count > capacity else { return }
            // Evict to 90 % so a full cache does not sort on every insert.
            let keep = max(1, capacity - capacity / 10)
            let ordered = entries.sorted { $0.value.validUntil > $1.value.validUntil }
            entries = Dictionary(uniqueKeysWithValues: ordered.prefix(keep).map { ($0.key, $0.value) })
        }
    }

    private let state: Locked<State>

    init(capacity: Int = TokenCache.defaultCapacity) {
        state = Locked(State(capacity: max(1, capacity)))
    }

    /// The most tokens kept (at least 1).
    var capacity: Int { state.withLock { $0.capacity } }

    /// Changes the limit, evicting at once if the cache is over it.
    func setCapacity(_ capacity: Int, now: Date) {
        state.withLock { s in
            s.capacity = max(1, capacity)
            s.evictIfNeeded(now: now)
        }
    }

    /// The cached token if it is still valid at `now`.
    func cached(_ key: Key, now: Date) -> String? {
        state.withLock { $0.cached(key, now: now) }
    }

    private enum Lookup {
        case cached(String)
        case join(Task<FetchedToken, any Error>)
        case lead(UInt64, Task<FetchedToken, any Error>)
    }

    /// The cached token, or the result of `fetch`, which runs once however many callers wait.
    func token(
        _ key: Key, clock: @escaping @Sendable () -> Date,
        fetch: @escaping @Sendable () async throws -> FetchedToken
    ) async throws -> String {
        let now = clock()
        let lookup = state.withLock { s -> Lookup in
            if let token = s.cached(key, now: now) { return .cached(token) }
            if let flight = s.flights[key] { return .join(flight.task) }
            s.nextFlightID &+= 1
            let flight = Flight(id: s.nextFlightID, task: Task { try await fetch() })
            s.flights[key] = flight
            return .lead(flight.id, flight.task)
        }
        switch lookup {
        case .cached(let token):
            return token
        case .join(let task):
            return try await task.value.token
        case .lead(let id, let task):
            let result: FetchedToken
            do {
                result = try await task.value
            } catch {
                state.withLock { s in
                    if s.flights[key]?.id == id { s.flights[key] = nil }
                }
                throw error
            }
            let finished = clock()
            state.withLock { s in
                // An invalidate() during the fetch removed the flight: hand the token to
                // the callers that waited, but do not keep it.
                guard s.flights[key]?.id == id else { return }
                s.flights[key] = nil
                s.store(key, result, now: finished)
            }
            return result.token
        }
    }

    /// Keeps a fetched token until its expiry minus the margin (or the default lifetime).
    func store(_ key: Key, _ fetched: FetchedToken, now: Date) {
        state.withLock { $0.store(key, fetched, now: now) }
    }

    /// Drops the token, and detaches any fetch in flight so its result is not kept.
    func invalidate(_ key: Key) {
        state.withLock { s in
            s.entries[key] = nil
            s.flights[key] = nil
        }
    }

    /// How many tokens are cached (tests and diagnostics).
    var count: Int { state.withLock { $0.entries.count } }
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
