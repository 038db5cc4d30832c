import Foundation

@testable import Vendo

/// What a child process left behind.
struct ChildProcessResult: Sendable {
    var status: Int32
    var reason: Process.TerminationReason
    var standardOutput: Data
    var standardError: Data
}

/// Runs a child process to its end; `nil` when it cannot start.
///
/// Every blocking wait (reading its output, reaping it) happens on threads of
/// its own. Not in the test's task, and not on `DispatchQueue.global()`: on
/// Linux both draw on the same few worker threads (two on a 2-core machine)
/// that every test's tasks, URLSession and the local HTTP servers need. A few
/// Python cross-checks blocking there at once stalled the other tests for a
/// second or more, long enough to trip the event stream's heartbeat timeouts.
///
/// - Parameters:
///   - executable: the program; by default `/usr/bin/env`, so `arguments` starts with the command.
///   - timeout: terminates the child if it is still running then.
func runChildProcess(
    _ arguments: [String], executable: String = "/usr/bin/env", environment: [String: String]? = nil,
    timeout: Duration? = nil
) async -> ChildProcessResult? {
    await withCheckedContinuation { (continuation: CheckedContinuation<ChildProcessResult?, Never>) in
        let child = ChildProcess()
        let process = child.process
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            continuation.resume(returning: nil)
            return
        }
        if let timeout {
            // A timer, not a sleeping worker: it holds no thread until it fires.
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                if child.process.isRunning { child.process.terminate() }
            }
        }
        // Both pipes drain at once, so a child that fills one never blocks on it.
        let errorData = Locked(Data())
        let errorsRead = DispatchSemaphore(value: 0)
        Thread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
            errorsRead.signal()
        }.start()
        Thread {
            let outputData = output.fileHandleForReading.readDataToEndOfFile()
            errorsRead.wait()
            child.process.waitUntilExit()
            continuation.resume(returning: ChildProcessResult(
                status: child.process.terminationStatus, reason: child.process.terminationReason,
                standardOutput: outputData, standardError: errorData.withLock { $0 }))
        }.start()
    }
}

/// `Process` is not `Sendable`; here one thread at a time uses it (started, then waited for).
private final class ChildProcess: @unchecked Sendable {
    let process = Process()
}
