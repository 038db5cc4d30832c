#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Logging
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a command for each delivery.
///
/// - stdin: the raw verified body (for an envelope, the event JSON; for a
///   provider delivery, the provider's JSON), then end of file;
/// - environment: the inherited one, plus ``Configuration/environment``, plus
///   `VENDO_EVENT_ID`, `VENDO_EVENT_TYPE`, `VENDO_EVENT_PROVIDER`,
///   `VENDO_CONNECTION_ID`, `VENDO_DEDUPE_KEY` (empty when not known);
/// - exit status 0 is success; any other status, death by a signal, or a
///   launch failure throws ``ExecHandlerError``;
/// - past ``Configuration/timeout`` (or when the handler's task is cancelled,
///   e.g. by the receiver's own timeout) the command's whole process group
///   gets SIGTERM, then SIGKILL after ``Configuration/killGracePeriod``;
/// - stdout and stderr are read as they come (a chatty child never blocks on
///   a full pipe) and logged at debug, cut to ``Configuration/maxLoggedOutput``
///   bytes each.
///
/// The child starts like a fresh program: every signal at its default
/// disposition (the server ignores SIGPIPE; shell pipelines in the command
/// need it), nothing blocked, only descriptors 0–2 open, in a process group
/// of its own. It is reaped by a thread of ours; pipes are closed on every
/// path. Children started by the command that outlive it are not waited for
/// (their output after the command exits is discarded); run the server under
/// an init (`docker run --init`, tini) if it is PID 1, so such orphans are reaped.
public struct ExecHandler: WebhookHandler {
    /// What to run.
    public enum Command: Sendable, Equatable, CustomStringConvertible {
        /// A shell command line, run as `/bin/sh -c <line>`.
        case shell(String)
        /// A program and its arguments, run directly (a bare name is looked up in `PATH`).
        case argv([String])

        /// For logs: the program, not its arguments (they may hold secrets).
        public var description: String {
            switch self {
            case .shell: return "/bin/sh -c …"
            case .argv(let argv): return argv.first ?? ""
            }
        }
    }

    /// Limits and additions for the child process; every default documented.
    public struct Configuration: Sendable {
        /// How long the command may run (default 30 s) before its process group gets SIGTERM.
        public var timeout: Duration
        /// How long after SIGTERM before SIGKILL (default 2 s).
        public var killGracePeriod: Duration
        /// Bytes of stdout and of stderr kept for the debug log (default 4096 each).
        public var maxLoggedOutput: Int
        /// Variables added to (and overriding) the inherited environment.
        public var environment: [String: String]
        /// The child's working directory; `nil` (default) ⇒ the server's.
        public var workingDirectory: String?

        /// Creates a configuration; every parameter has the documented default.
        public init(
            timeout: Duration = .seconds(30), killGracePeriod: Duration = .seconds(2), maxLoggedOutput: Int = 4096,
            environment: [String: String] = [:], workingDirectory: String? = nil
        ) {
            self.timeout = timeout
            self.killGracePeriod = killGracePeriod
            self.maxLoggedOutput = maxLoggedOutput
            self.environment = environment
            self.workingDirectory = workingDirectory
        }
    }

    /// The command.
    public let command: Command
    /// The limits.
    public let configuration: Configuration
    private let executable: String
    private let arguments: [String]
    private let logger: Logger

    /// Prepares a handler; the program is resolved now so a typo fails at start-up.
    /// - Throws: ``WebhookConfigurationError`` for an empty command, a program
    ///   not found in `PATH`, or a non-positive timeout.
    public init(
        _ command: Command, configuration: Configuration = Configuration(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "vendo.webhooks.exec")
    ) throws {
        guard configuration.timeout > .zero, configuration.killGracePeriod >= .zero else {
            throw WebhookConfigurationError("exec handler: timeout must be positive and killGracePeriod not negative")
        }
        switch command {
        case .shell(let line):
            guard !line.trimmedWhitespace.isEmpty else {
                throw WebhookConfigurationError("exec handler: the shell command is empty")
            }
            executable = "/bin/sh"
            arguments = ["-c", line]
        case .argv(let argv):
            guard let program = argv.first, !program.isEmpty else {
                throw WebhookConfigurationError("exec handler: the argument list is empty; give at least the program")
            }
            guard let resolved = Self.resolve(program, path: environment["PATH"]) else {
                throw WebhookConfigurationError(
                    "exec handler: \"\(program)\" is not an executable file and was not found in PATH")
            }
            executable = resolved
            arguments = Array(argv.dropFirst())
        }
        self.command = command
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs the command for `delivery`; returns when it exited with status 0.
    public func handle(_ delivery: WebhookDelivery) async throws {
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in configuration.environment { environment[name] = value }
        environment["VENDO_EVENT_ID"] = delivery.id
        environment["VENDO_EVENT_TYPE"] = delivery.type
        environment["VENDO_EVENT_PROVIDER"] = delivery.provider ?? ""
        environment["VENDO_CONNECTION_ID"] = delivery.connectionID ?? ""
        environment["VENDO_DEDUPE_KEY"] = delivery.dedupeKey

        let run = ChildRun(
            executable: executable, arguments: arguments, environment: environment,
            workingDirectory: configuration.workingDirectory, input: delivery.rawBody,
            outputLimit: max(0, configuration.maxLoggedOutput), killGracePeriod: configuration.killGracePeriod)
        let result = try await withTaskCancellationHandler {
            try await run.start(timeout: configuration.timeout)
        } onCancel: {
            run.stop(reason: .cancelled)
        }
        logger.debug(
            "exec handler finished",
            metadata: [
                "webhook.event_id": "\(delivery.id)", "exec.command": "\(command)", "exec.status": "\(result.status)",
                "exec.stdout": "\(String(decoding: result.stdout, as: UTF8.self))",
                "exec.stderr": "\(String(decoding: result.stderr, as: UTF8.self))",
            ])
        switch result.status {
        case .exited(0): return
        case .exited(let code): throw ExecHandlerError.exited(code: code, stderr: String(decoding: result.stderr, as: UTF8.self))
        case .signaled(let signal): throw ExecHandlerError.signaled(signal: signal)
        case .timedOut: throw ExecHandlerError.timedOut(after: configuration.timeout)
        case .cancelled: throw CancellationError()
        }
    }

    /// Finds `program` the way a shell does: a path when it contains `/`, else in `PATH`.
    static func resolve(_ program: String, path: String?) -> String? {
        if program.contains("/") {
            return isExecutableFile(program) ? program : nil
        }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// A regular file (not a directory) this process may execute.
    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else { return false }
        return access(path, X_OK) == 0
    }
}

/// Why an ``ExecHandler`` run failed.
public enum ExecHandlerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The program could not be started.
    case launchFailed(String)
    /// It exited with a non-zero status (`stderr` holds the start of its error output).
    case exited(code: Int32, stderr: String)
    /// It was killed by a signal it did not handle.
    case signaled(signal: Int32)
    /// It ran past the timeout and its process group was killed.
    case timedOut(after: Duration)

    /// A sentence for logs.
    public var description: String {
        switch self {
        case .launchFailed(let reason): return "the command could not be started: \(reason)"
        case .exited(let code, _): return "the command exited with status \(code)"
        case .signaled(let signal): return "the command was killed by signal \(signal)"
        case .timedOut(let limit): return "the command ran longer than \(limit.seconds) s and was killed"
        }
    }
}
