import Synchronization
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs the handlers that match a delivery and reports the ones that failed.
/// Each starts in turn on the calling thread: a synchronous one is called
/// directly; an async one runs in a task of its own until it first suspends,
/// then goes on concurrently with the others under its own deadline.
///
/// A handler that suspends and then ignores cancellation cannot hold the
/// response hostage: the receiver stops waiting at the deadline (the
/// handler's task is cancelled and left to finish on its own). That is why
/// handlers run in unstructured tasks raced against a shared watchdog rather
/// than in a task group, which would wait for every child before returning.
/// (A handler that blocks its thread without ever suspending cannot be
/// preempted by anything in Swift concurrency; it also starves the pool, so
/// blocking work belongs in `ExecHandler` or on a thread of its own.)
enum HandlerRunner {
    /// Starts every handler that matches `delivery`. Each runs on this thread
    /// until it first suspends, so an in-process handler that never suspends
    /// has finished when this returns (see ``HandlerRun/finishedFailures``).
    static func start(
        _ delivery: WebhookDelivery, registry: HandlerRegistry, defaultTimeout: Duration,
        metrics: WebhookMetrics, watchdog: DeadlineWatchdog = .shared
    ) -> HandlerRun {
        var pending: [HandlerRun.Pending] = []
        for registration in registry.registrations where registration.pattern.matches(delivery.type) {
            let timeout = registration.timeout ?? defaultTimeout
            let started = MonotonicTime.seconds()
            let outcome: HandlerResult
            switch registration.body {
            case .sync(let run):
                // No task, no shared box: it returns or throws right here.
                outcome = HandlerResult { try run(delivery) }
                metrics.observeHandler(seconds: MonotonicTime.seconds() - started)
            case .async(let run):
                let result = OneShot<HandlerResult>()
                // `Task.immediate` runs the handler here until it first
                // suspends: one that does not suspend finishes with no
                // scheduling hop and no watchdog entry. One that suspends (I/O,
                // a child process) goes on as its own task, raced against the
                // deadline below.
                let task = Task.immediate {
                    let outcome = await HandlerResult { try await run(delivery) }
                    metrics.observeHandler(seconds: MonotonicTime.seconds() - started)
                    result.fulfill(outcome)
                }
                guard let finished = result.current else {
                    let watch = watchdog.schedule(after: timeout) {
                        if result.fulfill(.timedOut) { task.cancel() }
                    }
                    pending.append(.init(registration: registration, state: .running(result, watch: watch), timeout: timeout))
                    continue
                }
                outcome = finished
            }
            // A run that succeeded leaves nothing to wait for or report: the
            // common case allocates nothing.
            if case .succeeded = outcome { continue }
            pending.append(.init(registration: registration, state: .finished(outcome), timeout: timeout))
        }
        return HandlerRun(pending: pending, watchdog: watchdog)
    }

    /// Starts the matching handlers and waits for them (or their deadlines).
    static func run(
        _ delivery: WebhookDelivery, registry: HandlerRegistry, defaultTimeout: Duration,
        metrics: WebhookMetrics, watchdog: DeadlineWatchdog = .shared
    ) async -> [WebhookHandlerFailure] {
        await start(delivery, registry: registry, defaultTimeout: defaultTimeout, metrics: metrics, watchdog: watchdog)
            .failures()
    }
}

/// The handler runs of one delivery, started by ``HandlerRunner/start(_:registry:defaultTimeout:metrics:watchdog:)``.
struct HandlerRun: Sendable {
    struct Pending: Sendable {
        enum State: Sendable {
            /// Returned or threw while being started.
            case finished(HandlerResult)
            /// Suspended: its outcome comes later, or its deadline (the watchdog entry) does.
            case running(OneShot<HandlerResult>, watch: UInt64)
        }

        let registration: HandlerRegistration
        let state: State
        let timeout: Duration
    }

    /// The runs still going and the ones that failed; runs that succeeded
    /// while being started are not kept.
    let pending: [Pending]
    let watchdog: DeadlineWatchdog

    /// The failed runs, once every handler has finished or timed out.
    func failures() async -> [WebhookHandlerFailure] {
        var failures: [WebhookHandlerFailure] = []
        for entry in pending {
            let outcome: HandlerResult
            switch entry.state {
            case .finished(let finished):
                outcome = finished
            case .running(let result, let watch):
                outcome = await result.value()
                watchdog.cancel(watch)
            }
            if let failure = Self.failure(outcome, of: entry) { failures.append(failure) }
        }
        return failures
    }

    /// The failed runs when every handler finished while being started;
    /// `nil` while one still runs.
    func finishedFailures() -> [WebhookHandlerFailure]? {
        var failures: [WebhookHandlerFailure] = []
        for entry in pending {
            guard case .finished(let outcome) = entry.state else { return nil }
            if let failure = Self.failure(outcome, of: entry) { failures.append(failure) }
        }
        return failures
    }

    private static func failure(_ outcome: HandlerResult, of entry: Pending) -> WebhookHandlerFailure? {
        switch outcome {
        case .succeeded: nil
        case .threw(let error): WebhookHandlerFailure(handlerName: entry.registration.name, reason: .threw(error))
        case .timedOut: WebhookHandlerFailure(handlerName: entry.registration.name, reason: .timedOut(entry.timeout))
        }
    }
}

enum HandlerResult: Sendable {
    case succeeded
    case threw(any Error)
    case timedOut

    /// How `body` ended: returned or threw.
    init(_ body: () throws -> Void) {
        do {
            try body()
            self = .succeeded
        } catch {
            self = .threw(error)
        }
    }

    /// How `body` ended: returned or threw.
    init(_ body: () async throws -> Void) async {
        do {
            try await body()
            self = .succeeded
        } catch {
            self = .threw(error)
        }
    }
}

/// A value set once, awaited by one or more readers.
final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }

    private let state = Mutex(State())

    /// Sets the value if none was set yet; returns whether this call set it.
    @discardableResult
    func fulfill(_ value: Value) -> Bool {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>]? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: value) }
        return true
    }

    /// The value if it is set, without waiting.
    var current: Value? { state.withLock { $0.value } }

    /// The value, once set.
    func value() async -> Value {
        if let value = state.withLock({ $0.value }) { return value }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Value? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// One ticking task that fires deadlines, instead of a sleeping task per handler run.
///
/// Registering is a lock and a dictionary insert; the ticker only runs while
/// something is scheduled, and deadlines fire within one tick (10 ms) late.
final class DeadlineWatchdog: Sendable {
    /// The process-wide watchdog.
    static let shared = DeadlineWatchdog(tick: .milliseconds(10))

    private struct Entry {
        let deadline: ContinuousClock.Instant
        let fire: @Sendable () -> Void
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 1
        var ticking = false
    }

    private let state = Mutex(State())
    private let tick: Duration

    init(tick: Duration) { self.tick = tick }

    /// Calls `fire` once, about `delay` from now, unless cancelled first.
    func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now + delay
        let (id, startTicker) = state.withLock { state -> (UInt64, Bool) in
            let id = state.nextID
            state.nextID &+= 1
            state.entries[id] = Entry(deadline: deadline, fire: fire)
            let start = !state.ticking
            state.ticking = true
            return (id, start)
        }
        if startTicker {
            Task.detached { [self] in await self.runTicker() }
        }
        return id
    }

    /// Drops a scheduled call (no-op when it already fired).
    func cancel(_ id: UInt64) {
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
    }

    private func runTicker() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let due = state.withLock { state -> [Entry]? in
                if state.entries.isEmpty {
                    state.ticking = false
                    return nil
                }
                var due: [Entry] = []
                for (id, entry) in state.entries where entry.deadline <= now {
                    due.append(entry)
                    state.entries.removeValue(forKey: id)
                }
                return due
            }
            guard let due else { return }
            for entry in due { entry.fire() }
        }
    }
}
