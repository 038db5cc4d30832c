import Synchronization
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process groups of handler commands that are running now.
///
/// A graceful shutdown waits for them; a process that must exit at once
/// (a second SIGTERM) would otherwise leave them running with nobody to
/// collect their result, or stopping them when the container stops.
enum RunningChildProcesses {
    private static let groups = Mutex<Set<pid_t>>([])

    /// Records a child that leads its own process group.
    static func add(_ pid: pid_t) {
        _ = groups.withLock { $0.insert(pid) }
    }

    /// Forgets a child once it has been reaped (its pid may be reused after).
    static func remove(_ pid: pid_t) {
        _ = groups.withLock { $0.remove(pid) }
    }

    /// Sends `signal` to every recorded process group; returns how many there were.
    static func signalAll(_ signal: Int32) -> Int {
        let snapshot = groups.withLock { $0 }
        for pid in snapshot { ChildRun.signalGroup(pid: pid, signal) }
        return snapshot.count
    }
}

extension ExecHandler {
    /// Sends `signal` (SIGKILL by default) to the process group of every
    /// handler command still running in this process, and returns how many
    /// there were. For a process about to exit without draining (a second
    /// SIGTERM), so no command outlives it; a graceful shutdown waits for
    /// them instead.
    @discardableResult
    public static func signalRunningCommands(_ signal: Int32 = SIGKILL) -> Int {
        RunningChildProcesses.signalAll(signal)
    }
}
