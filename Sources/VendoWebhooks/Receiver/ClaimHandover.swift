import Synchronization

/// A delivery's started handlers and its dedupe claim, on their way from
/// `WebhookReceiver.respondImmediately(to:)` to `respond(to:)` in the
/// request's `userInfo`.
///
/// `respond(to:)` takes them over, waits for the handlers and finishes the
/// claim. If it never does (a caller that drops the request after the `nil`,
/// against `HTTPImmediateResponder`'s contract), the last reference going
/// away finishes the claim once the handlers are done, so the delivery's id
/// is not left claimed: every redelivery of it would wait for an outcome
/// that never comes.
final class ClaimHandover: Sendable {
    private let run: HandlerRun
    private let key: DedupeWindow.HashedKey
    private let dedupe: DedupeWindow
    private let taken = Atomic<Bool>(false)

    init(run: HandlerRun, key: DedupeWindow.HashedKey, dedupe: DedupeWindow) {
        self.run = run
        self.key = key
        self.dedupe = dedupe
    }

    /// The run, for `respond(to:)`, which now owns the claim.
    func takeOver() -> HandlerRun {
        taken.store(true, ordering: .releasing)
        return run
    }

    deinit {
        guard !taken.load(ordering: .acquiring) else { return }
        let (run, key, dedupe) = (run, key, dedupe)
        Task { dedupe.finish(key, succeeded: await run.failures().isEmpty) }
    }
}
