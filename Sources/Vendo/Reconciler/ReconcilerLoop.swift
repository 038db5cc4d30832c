import Foundation

/// The body of a running reconciler: run the mapping, write on a change, react.
struct ReconcilerLoop: Sendable {
    let files: ReconcilerFiles
    let mapping: Reconciler.Mapping
    let onChange: Reconciler.OnChange
    let reloadURL: URL?
    let pollInterval: TimeInterval
    let debounceSeconds: TimeInterval
    let onError: Reconciler.ErrorHandler
    let hooks: ReconcilerHooks
    let wakeup = ReconcilerWakeup()

    /// Waits for the poll interval or a trigger, then runs; until cancelled.
    func run() async {
        while !Task.isCancelled {
            switch await wakeup.wait(timeout: pollInterval) {
            case .cancelled:
                return
            case .timer:
                break
            case .triggered:
                // Let a burst of events settle into one run.
                if debounceSeconds > 0 {
                    do { try await Task.sleep(nanoseconds: UInt64(debounceSeconds * 1_000_000_000)) } catch { return }
                }
                wakeup.clearPending()
            }
            await runOnce(reactToChanges: true)
        }
    }

    /// One run. Failures go to `onError`; the files are only touched by a complete, valid result.
    func runOnce(reactToChanges: Bool) async {
        let values: [String: String]
        do {
            values = try await mapping()
        } catch {
            if Task.isCancelled { return }
            onError(ReconcilerError(
                .mappingFailed,
                "the mapping failed (\(error)); \(files.envFile) was left as it was and the mapping "
                    + "runs again in \(Self.format(pollInterval)) s",
                path: files.envFile, underlying: error))
            return
        }
        // A stopped reconciler writes nothing more.
        if Task.isCancelled { return }
        let diff: ReconcilerDiff?
        do {
            diff = try files.apply(values)
        } catch let error as ReconcilerError {
            onError(error)
            return
        } catch {
            onError(ReconcilerError(.io, "could not write \(files.envFile): \(error)", path: files.envFile))
            return
        }
        guard reactToChanges, let diff, !diff.isEmpty else { return }
        await react(to: diff)
    }

    private func react(to diff: ReconcilerDiff) async {
        switch onChange {
        case .restart:
            // Both files are on disk (fsync + rename + folder fsync) by now.
            hooks.terminate(0)
        case .reloadHook:
            guard let reloadURL else { return }
            await postReload(diff, to: reloadURL)
        case .call(let body):
            do {
                try await body(diff)
            } catch {
                onError(ReconcilerError(
                    .onChangeFailed, "the onChange closure failed: \(error)", path: files.envFile, underlying: error))
            }
        }
    }

    /// POSTs the changed names; retried on network errors and 5xx like the SDK's own calls.
    private func postReload(_ diff: ReconcilerDiff, to url: URL) async {
        let body = (try? JSONValue.object(["changed": .array(diff.addedOrChanged.map(JSONValue.string))]).jsonData())
            ?? Data()
        let request = TransportRequest(
            method: "POST", url: url,
            headers: ["Content-Type": "application/json", "Accept": "application/json", "User-Agent": VendoSDK.userAgent],
            body: body, timeout: 10)
        let policy = hooks.reloadRetry
        var lastProblem = ""
        for attempt in 1...policy.maxAttempts {
            if attempt > 1 {
                do { try await policy.sleep(policy.delay(beforeRetry: attempt - 1)) } catch { return }
            }
            do {
                let response = try await hooks.transport.send(request)
                if response.isSuccess { return }
                lastProblem = "it answered HTTP \(response.status)"
                if !policy.shouldRetry(status: response.status) { break }
            } catch {
                if Task.isCancelled { return }
                lastProblem = "it could not be reached (\(error))"
            }
        }
        onError(ReconcilerError(
            .reloadHookFailed,
            "the reload hook \(url.absoluteString) was not told of the change: \(lastProblem); "
                + "\(files.envFile) was updated", path: files.envFile))
    }

    static func format(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.2f", seconds)
    }
}

/// Wakes the loop for the next poll, or early when a trigger fires.
///
/// A trigger that fires while no one waits is remembered (once), so an event
/// that arrives during a run still causes one more run.
final class ReconcilerWakeup: Sendable {
    enum Reason: Sendable { case timer, triggered, cancelled }

    private struct State {
        var pending = false
        var cancelled = false
        var waiter: CheckedContinuation<Reason, Never>?
        var timer: DispatchWorkItem?
        var generation = 0
    }

    private let state = Locked(State())

    /// Asks for a run as soon as possible.
    func fire() {
        resume(.triggered) { $0.pending = true }
    }

    /// Forgets triggers that arrived while debouncing: the coming run covers them.
    func clearPending() {
        state.withLock { $0.pending = false }
    }

    /// Waits for a trigger, `timeout` seconds, or cancellation, whichever is first.
    func wait(timeout: TimeInterval) async -> Reason {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reason, Never>) in
                let immediate = state.withLock { s -> Reason? in
                    if s.cancelled { return .cancelled }
                    if s.pending {
                        s.pending = false
                        return .triggered
                    }
                    s.generation += 1
                    let generation = s.generation
                    let timer = DispatchWorkItem { [weak self] in self?.timerFired(generation) }
                    s.waiter = continuation
                    s.timer = timer
                    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            resume(.cancelled) { $0.cancelled = true }
        }
    }

    private func timerFired(_ generation: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Reason, Never>? in
            guard s.generation == generation, let waiter = s.waiter else { return nil }
            s.waiter = nil
            s.timer = nil
            return waiter
        }
        waiter?.resume(returning: .timer)
    }

    /// Resumes the waiter with `reason`, or records the wake-up with `otherwise` when no one waits.
    private func resume(_ reason: Reason, otherwise: (inout State) -> Void) {
        let waiter = state.withLock { s -> CheckedContinuation<Reason, Never>? in
            if reason == .cancelled { s.cancelled = true }
            guard let waiter = s.waiter else {
                otherwise(&s)
                return nil
            }
            s.waiter = nil
            s.timer?.cancel()
            s.timer = nil
            return waiter
        }
        waiter?.resume(returning: reason)
    }
}
