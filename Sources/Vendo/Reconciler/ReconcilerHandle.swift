/// A running reconciler (see ``Reconciler/start(envFile:mapping:onChange:reloadURL:pollInterval:trigger:debounceSeconds:onError:)``).
///
/// It runs until ``stop()``; dropping the handle does not stop it.
public final class ReconcilerHandle: Sendable {
    private let loop: ReconcilerLoop
    private let task: Task<Void, Never>

    init(loop: ReconcilerLoop, trigger: ReconcilerTrigger) {
        self.loop = loop
        let wakeup = loop.wakeup
        let onError = loop.onError
        task = Task {
            await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await loop.run()
                    return true
                }
                group.addTask {
                    await trigger.run(wakeup.fire, onError)
                    return false
                }
                // A trigger may end early (``ReconcilerTrigger/none`` at once): polling goes on.
                // The loop ends only on cancellation; then the trigger is stopped too.
                while let loopEnded = await group.next() {
                    if loopEnded { group.cancelAll() }
                }
            }
        }
    }

    /// Stops polling and listening. A run already under way may still finish its
    /// write; ``waitUntilStopped()`` returns once nothing more can be written.
    public func stop() {
        task.cancel()
    }

    /// Runs the mapping again now (after the debounce), as a connection event does.
    public func reconcileNow() {
        loop.wakeup.fire()
    }

    /// Whether ``stop()`` was called.
    public var isStopped: Bool { task.isCancelled }

    /// Returns once the reconciler has stopped (after ``stop()``).
    public func waitUntilStopped() async {
        await task.value
    }
}
