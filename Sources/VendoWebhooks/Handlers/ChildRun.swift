import CSystemShims
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run of a child process: feed stdin, collect stdout/stderr, enforce a
/// deadline, report how it ended.
///
/// Everything mutable is confined to one serial queue (launch, pipe events,
/// termination, timers), so no lock is needed and the order of events is
/// well defined. Pipes are non-blocking and read by Dispatch sources, so a
/// child that writes megabytes never stalls and no thread blocks in `read`.
/// stdin is a socket pair rather than a pipe: `send(MSG_NOSIGNAL)` then
/// cannot raise SIGPIPE in the server when the child exits without reading.
///
/// The child is started with posix_spawn rather than Foundation's `Process`,
/// which hands the server's ignored signals (SIGPIPE above all) down to it:
/// `yes | head -1` in a child must end by SIGPIPE as it does in a terminal.
/// A dedicated thread waits for it, so no cooperative thread ever blocks.
final class ChildRun: @unchecked Sendable {
    enum Status: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
        case cancelled

        var description: String {
            switch self {
            case .exited(let code): return "exit \(code)"
            case .signaled(let signal): return "signal \(signal)"
            case .timedOut: return "timed out"
            case .cancelled: return "cancelled"
            }
        }
    }

    enum StopReason { case timedOut, cancelled }

    struct Result: Sendable {
        var status: Status
        var stdout: [UInt8]
        var stderr: [UInt8]
        /// The child's process id (tests check it was reaped).
        var pid: Int32
        /// The descriptors this run opened (tests check each is closed afterwards).
        var descriptors: [DescriptorIdentity]
    }

    /// A descriptor and the file it referred to when opened: its number alone
    /// may be reused by someone else as soon as it is closed.
    struct DescriptorIdentity: Sendable, Equatable {
        var fd: Int32
        var device: UInt64
        var inode: UInt64

        init?(_ fd: Int32) {
            var info = stat()
            guard fstat(fd, &info) == 0 else { return nil }
            self.fd = fd
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }

        /// Whether `fd` still refers to the same file.
        var isStillOpen: Bool { DescriptorIdentity(fd) == self }
    }

    private let executable: String
    private let arguments: [String]
    private let environment: [String: String]
    private let workingDirectory: String?
    private let input: [UInt8]
    private let outputLimit: Int
    private let killGracePeriod: Duration
    private let queue = DispatchQueue(label: "vendo.webhooks.exec")

    // Confined to `queue`.
    private var pid: Int32 = 0
    private var descriptors: [DescriptorIdentity] = []
    private var stopReason: StopReason?
    private var finished = false
    private var continuation: CheckedContinuation<Result, any Error>?
    private var stdoutReader: OutputReader?
    private var stderrReader: OutputReader?
    private var inputWriter: InputWriter?
    private var timeoutTimer: DispatchSourceTimer?

    init(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String?,
        input: [UInt8], outputLimit: Int, killGracePeriod: Duration
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
        self.outputLimit = outputLimit
        self.killGracePeriod = killGracePeriod
    }

    /// Launches the child and returns once it has ended (or failed to launch).
    func start(timeout: Duration) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { self.launch(timeout: timeout, continuation: continuation) }
        }
    }

    /// Ends the child early: SIGTERM to its process group, SIGKILL after the grace period.
    func stop(reason: StopReason) {
        queue.async { self.stopOnQueue(reason) }
    }

    // MARK: On the queue

    private func launch(timeout: Duration, continuation: CheckedContinuation<Result, any Error>) {
        self.continuation = continuation
        if let stopReason {  // cancelled before it started
            finish(status: stopReason == .timedOut ? .timedOut : .cancelled)
            return
        }
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        var stdinPair: [Int32] = [-1, -1]
        func closeAll() {
            for fd in stdoutPipe + stderrPipe + stdinPair where fd >= 0 { close(fd) }
        }
        // All close-on-exec from the start: a child spawned concurrently elsewhere
        // in the process must not inherit our ends (it would hide end-of-file).
        guard vendo_pipe_cloexec(&stdoutPipe) == 0, vendo_pipe_cloexec(&stderrPipe) == 0,
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &stdinPair) == 0
        else {
            let reason = String(cString: strerror(errno))
            closeAll()
            fail(ExecHandlerError.launchFailed("could not create pipes: \(reason)"))
            return
        }

        descriptors = (stdoutPipe + stderrPipe + stdinPair).compactMap(DescriptorIdentity.init)
        let spawned = Self.spawn(
            executable: executable, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory, stdin: stdinPair[1], stdout: stdoutPipe[1], stderr: stderrPipe[1])
        // The child has its copies (or does not exist); ours would hide end-of-file from the readers.
        close(stdoutPipe[1])
        close(stderrPipe[1])
        close(stdinPair[1])
        let childPID: pid_t
        switch spawned {
        case .success(let spawnedPID):
            childPID = spawnedPID
        case .failure(let code):
            close(stdoutPipe[0])
            close(stderrPipe[0])
            close(stdinPair[0])
            let place = workingDirectory.map { " (working directory \($0))" } ?? ""
            fail(ExecHandlerError.launchFailed("\(executable)\(place): \(String(cString: strerror(code.rawValue)))"))
            return
        }
        pid = childPID
        RunningChildProcesses.add(childPID)
        Self.reap(pid: childPID) { [self] status in
            RunningChildProcesses.remove(childPID)
            queue.async { self.didTerminate(waitStatus: status) }
        }

        stdoutReader = OutputReader(fd: stdoutPipe[0], limit: outputLimit, queue: queue)
        stderrReader = OutputReader(fd: stderrPipe[0], limit: outputLimit, queue: queue)
        inputWriter = InputWriter(fd: stdinPair[0], bytes: input, queue: queue)

        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + timeout.dispatchInterval)
        timer.setEventHandler { [self] in stopOnQueue(.timedOut) }
        timer.activate()
        timeoutTimer = timer
    }

    private func stopOnQueue(_ reason: StopReason) {
        guard !finished, stopReason == nil else { return }
        stopReason = reason
        guard pid > 0 else { return }  // not launched yet: launch() will see stopReason
        timeoutTimer?.cancel()
        signalGroup(SIGTERM)
        let pid = self.pid
        queue.asyncAfter(deadline: .now() + killGracePeriod.dispatchInterval) {
            // Also sweeps children of the command that ignored SIGTERM.
            Self.signalGroup(pid: pid, SIGKILL)
        }
    }

    private func signalGroup(_ signal: Int32) { Self.signalGroup(pid: pid, signal) }

    /// Signals the process group `pid` leads; the child alone when it has no group (yet).
    static func signalGroup(pid: Int32, _ signal: Int32) {
        // The child leads its own group (POSIX_SPAWN_SETPGROUP); fall back to the child alone.
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }

    private func didTerminate(waitStatus: Int32) {
        let outcome: Status
        switch stopReason {
        case .timedOut: outcome = .timedOut
        case .cancelled: outcome = .cancelled
        case nil:
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
            let low = waitStatus & 0x7f
            outcome = low == 0 ? .exited((waitStatus >> 8) & 0xff) : .signaled(low)
        }
        finish(status: outcome)
    }

    private func finish(status: Status) {
        guard !finished else { return }
        finished = true
        timeoutTimer?.cancel()
        timeoutTimer = nil
        // Output already written is in the pipes: take it, then stop reading.
        let stdout = stdoutReader?.drainAndClose() ?? []
        let stderr = stderrReader?.drainAndClose() ?? []
        inputWriter?.close()
        stdoutReader = nil
        stderrReader = nil
        inputWriter = nil
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume(returning: Result(status: status, stdout: stdout, stderr: stderr, pid: pid, descriptors: descriptors))
    }

    private func fail(_ error: any Error) {
        finished = true
        let continuation = self.continuation
        self.continuation = nil
        continuation?.resume(throwing: error)
    }
}

extension ChildRun {
    /// posix_spawn with a clean signal state, its own process group, and only fds 0–2 (see `vendo_spawn`).
    fileprivate static func spawn(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String?,
        stdin: Int32, stdout: Int32, stderr: Int32
    ) -> Swift.Result<pid_t, Errno> {
        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var childPID: pid_t = 0
        let code = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            (envp + [nil]).withUnsafeBufferPointer { envpBuffer in
                vendo_spawn(
                    &childPID, executable, argvBuffer.baseAddress, envpBuffer.baseAddress, workingDirectory,
                    stdin, stdout, stderr)
            }
        }
        return code == 0 ? .success(childPID) : .failure(Errno(rawValue: code))
    }

    /// Waits for the child on a thread of its own (never a cooperative one) and reports its wait status.
    fileprivate static func reap(pid: pid_t, then report: @escaping @Sendable (Int32) -> Void) {
        let wait: @Sendable () -> Void = {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                guard errno == EINTR else {
                    // ECHILD: someone else reaped it (waitpid(-1) elsewhere); its status is lost.
                    status = 0x7f00  // reported as exit 127
                    break
                }
            }
            report(status)
        }
        // Out of threads: block a Dispatch worker rather than never reaping the child.
        if !startDetachedThread(stackSize: 64 * 1024, wait) {
            DispatchQueue.global().async(execute: wait)
        }
    }

    /// An errno value from posix_spawn.
    fileprivate struct Errno: Error { var rawValue: Int32 }
}

/// Reads a non-blocking fd as data arrives, keeping the first `limit` bytes.
private final class OutputReader {
    private let fd: Int32
    private let limit: Int
    private var kept: [UInt8] = []
    private var source: DispatchSourceRead?

    init(fd: Int32, limit: Int, queue: DispatchQueue) {
        self.fd = fd
        self.limit = limit
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in
            if self.readAvailable() { self.source?.cancel(); self.source = nil }
        }
        source.setCancelHandler { close(fd) }
        self.source = source
        source.activate()
    }

    /// Reads what is there; returns true at end of file or on an error.
    private func readAvailable() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                let room = limit - kept.count
                if room > 0 { kept.append(contentsOf: chunk[0..<min(room, count)]) }
                continue
            }
            if count == 0 { return true }
            if errno == EINTR { continue }
            return errno != EAGAIN && errno != EWOULDBLOCK
        }
    }

    /// Takes whatever is buffered now and closes the fd.
    func drainAndClose() -> [UInt8] {
        if let source {
            _ = readAvailable()
            source.cancel()
            self.source = nil
        }
        return kept
    }
}

/// Writes the input to a non-blocking socket as the child reads it, then signals end of file.
private final class InputWriter {
    private let fd: Int32
    private let bytes: [UInt8]
    private var offset = 0
    private var source: DispatchSourceWrite?

    init(fd: Int32, bytes: [UInt8], queue: DispatchQueue) {
        self.fd = fd
        self.bytes = bytes
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in
            if self.writeAvailable() { self.close() }
        }
        source.setCancelHandler { closeDescriptor(fd) }
        self.source = source
        source.activate()
    }

    /// Sends what the socket takes; returns true when done (all sent, or the child stopped reading).
    private func writeAvailable() -> Bool {
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 { offset += sent; continue }
            if sent < 0, errno == EINTR { continue }
            if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK { return false }
            return true  // EPIPE / ECONNRESET: the child closed stdin; not an error of ours
        }
        _ = shutdown(fd, Int32(SHUT_WR))
        return true
    }

    func close() {
        source?.cancel()
        source = nil
    }
}

/// `close(2)`, reachable from types that have a `close()` method of their own.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }

extension Duration {
    /// The duration as a Dispatch interval (nanosecond precision).
    var dispatchInterval: DispatchTimeInterval {
        let parts = components
        let nanoseconds = parts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .never }
        return .nanoseconds(Int(nanoseconds.partialValue + parts.attoseconds / 1_000_000_000))
    }
}
