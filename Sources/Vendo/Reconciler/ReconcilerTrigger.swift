import Foundation

/// What makes a running reconciler run its mapping before the next poll.
///
/// The default, ``automatic``, listens to the platform's event stream in Vendo
/// mode, so a connection made, removed or changed shows up in the `.env` within
/// a second instead of up to 30. Pass ``none`` to rely on polling alone, or
/// ``events(_:)`` with any sequence of events (a `MockSSE` in tests).
public struct ReconcilerTrigger: Sendable {
    /// Runs until cancelled, calling `fire` when a run is wanted and `report` on trouble.
    let run: @Sendable (_ fire: @escaping @Sendable () -> Void, _ report: @escaping Reconciler.ErrorHandler) async -> Void

    /// Creates a trigger from a closure that runs until cancelled and calls `fire` to ask for a run.
    ///
    /// An error it throws goes to the reconciler's `onError`; polling goes on.
    public static func custom(
        _ body: @escaping @Sendable (_ fire: @escaping @Sendable () -> Void) async throws -> Void
    ) -> ReconcilerTrigger {
        ReconcilerTrigger { fire, report in
            do {
                try await body(fire)
            } catch let error where !Task.isCancelled && !(error is CancellationError) {
                report(ReconcilerError(
                    .triggerFailed, "the reconciler's trigger stopped (\(error)); polling goes on",
                    underlying: error))
            } catch {}
        }
    }

    /// Polling only.
    public static let none = ReconcilerTrigger { _, _ in }

    /// Runs the mapping after each connection event (`connection.*` and the legacy
    /// `connection_*` names) of `events`; other events are ignored.
    public static func events<Events: AsyncSequence & Sendable>(_ events: Events) -> ReconcilerTrigger
    where Events.Element == EventStreamMessage {
        custom { fire in
            for try await event in events where event.isConnectionEvent { fire() }
        }
    }

    /// Listens to `client`'s event stream; on each connection event it drops the
    /// event's slug from the token cache, then asks for a run. In OSS mode there
    /// is no stream, so this is ``none``.
    public static func events(of client: Vendo) -> ReconcilerTrigger {
        guard client.isVendoMode else { return .none }
        let events = EventsAPI(context: client.context)
        return custom { fire in
            for try await event in try events.subscribe() where event.isConnectionEvent {
                if let slug = event.slug { await client.invalidate(slug) }
                fire()
            }
        }
    }

    /// ``events(of:)`` with ``Vendo/shared`` (configured from the process
    /// environment): the platform's events in Vendo mode, nothing in OSS mode.
    public static var automatic: ReconcilerTrigger {
        ReconcilerTrigger { fire, report in
            do {
                await events(of: try Vendo.shared).run(fire, report)
            } catch {
                report(ReconcilerError(
                    .triggerFailed, "could not listen to connection events (\(error)); polling goes on",
                    underlying: error))
            }
        }
    }
}
