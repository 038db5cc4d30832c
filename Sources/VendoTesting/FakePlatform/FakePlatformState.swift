import Foundation
import Vendo

/// The fake platform's mutable state, behind one lock: handlers run on many tasks at once.
final class FakePlatformState: @unchecked Sendable {
    struct TokenEntry: Sendable {
        var token: String
        var expiresAt: String?
    }

    struct ScopeKey: Hashable, Sendable {
        var userJWT: String?
        var slug: String
    }

    struct Storage {
        var tokens: [ScopeKey: TokenEntry] = [:]
        var connections: [String?: [Connection]] = [:]
        var integrations: [Integration] = []
        var integrationsAsBareArray = false
        var balance = Balance(creditsRemainingMicros: 0, currency: "USD", topUpURL: "")
        var spendCaps = SpendCaps()
        var usage: [String: JSONValue] = [:]
        var actions: [String: FakeFailure] = [:]
        var actionResults: [String: JSONValue] = [:]
        var acceptedAPIKeys: Set<String>?
        var providerToken: String?
        var stopping = false
        var failures: [FakeRoute: [FakeFailure]] = [:]
        var latency: [FakeRoute: TimeInterval] = [:]
        var paused: Set<FakeRoute> = []
        var pauseWaiters: [CheckedContinuation<Void, Never>] = []
        var requests: [RecordedRequest] = []
        var requestWaiters: [(count: Int, route: FakeRoute?, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let lock = NSLock()
    private var storage = Storage()

    func withLock<T>(_ body: (inout Storage) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&storage)
    }

    func record(_ request: RecordedRequest) {
        let ready = withLock { s -> [CheckedContinuation<Void, Never>] in
            s.requests.append(request)
            var ready: [CheckedContinuation<Void, Never>] = []
            s.requestWaiters.removeAll { waiter in
                let count = s.requests.filter { waiter.route == nil || $0.route == waiter.route }.count
                guard count >= waiter.count else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    func waitForRequests(count: Int, route: FakeRoute?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let satisfied = withLock { s -> Bool in
                let have = s.requests.filter { route == nil || $0.route == route }.count
                if have >= count { return true }
                s.requestWaiters.append((count, route, continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }

    /// Suspends while `route` is paused.
    func passGate(_ route: FakeRoute) async {
        while withLock({ $0.paused.contains(route) }) {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let stillPaused = withLock { s -> Bool in
                    guard s.paused.contains(route) else { return false }
                    s.pauseWaiters.append(continuation)
                    return true
                }
                if !stillPaused { continuation.resume() }
            }
        }
    }

    func resume(_ route: FakeRoute) {
        let waiters = withLock { s -> [CheckedContinuation<Void, Never>] in
            s.paused.remove(route)
            defer { s.pauseWaiters.removeAll() }
            return s.pauseWaiters
        }
        // Waiters of other routes that are still paused re-check and wait again.
        for waiter in waiters { waiter.resume() }
    }
}
