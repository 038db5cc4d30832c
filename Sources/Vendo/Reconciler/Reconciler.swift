import Foundation

/// Keeps a `.env` file in step with the deployment's connections.
///
/// A *mapping* is a function returning the variables the file should hold,
/// usually from the connections (see ``catalogDefault(client:env:)``).
/// ``bootstrap(envFile:mapping:)`` writes the file once; ``start(envFile:mapping:onChange:reloadURL:pollInterval:trigger:debounceSeconds:onError:)``
/// writes it, then runs the mapping again every `pollInterval` seconds (30) and
/// at once (debounced) on connection events, and on a change rewrites the file
/// and reacts as `onChange` says.
///
/// The file:
/// - holds sorted `KEY=value` lines, values quoted so standard dotenv readers
///   read them back exactly (see ``DotEnvFile``);
/// - is replaced atomically and durably: temporary file in the same folder,
///   `fsync`, `rename`, `fsync` of the folder; a reader never sees half a file;
/// - has mode 0600, because it holds secrets;
/// - is owned by the reconciler: hand edits are overwritten at the next change.
///
/// What was written is remembered in `<envFile>.vendo-state.json` (also 0600),
/// which decides whether anything changed. A mapping that throws, or returns a
/// name or value that cannot be written, leaves both files as they are; a running
/// reconciler reports it to `onError` and tries again at the next tick. Nothing
/// the reconciler does ends the process, except `onChange: .restart`, on purpose.
public enum Reconciler {
    /// Returns the variables the `.env` file should hold.
    public typealias Mapping = @Sendable () async throws -> [String: String]

    /// What a running reconciler does after it rewrote the file with a change.
    public enum OnChange: Sendable {
        /// Exit the process with status 0 once the new file is on disk, so a
        /// supervisor (the Vendo platform, systemd, a container restart policy)
        /// starts it again and it reads the new file. The default.
        case restart
        /// POST `{"changed": [added and changed names]}` as JSON to `reloadURL`.
        case reloadHook
        /// Call the closure with the diff; an error it throws goes to `onError`.
        case call(@Sendable (ReconcilerDiff) async throws -> Void)
    }

    /// Reports a problem in a running reconciler; it keeps running.
    public typealias ErrorHandler = @Sendable (ReconcilerError) -> Void

    /// The state file that goes with `envFile`: `<envFile>.vendo-state.json`.
    public static func stateFile(for envFile: String) -> String { ReconcilerFiles.stateFile(for: envFile) }

    /// Runs the mapping once and writes the file when the result differs from
    /// what was last written, or when the file is missing.
    ///
    /// Call it before reading the `.env` (it does not load it into the environment).
    ///
    /// - Returns: the diff from the previous run when the file was written
    ///   (empty when only a missing file was restored), `nil` when nothing changed.
    /// - Throws: the mapping's own error; ``ReconcilerError`` for a bad name or
    ///   value (``ReconcilerError/Kind/invalidValues``) or an I/O failure
    ///   (``ReconcilerError/Kind/io``). Either way the files are left as they were.
    @discardableResult
    public static func bootstrap(envFile: String, mapping: Mapping) async throws -> ReconcilerDiff? {
        let files = try ReconcilerFiles(envFile: validEnvFile(envFile))
        let values = try await mapping()
        return try files.apply(values)
    }

    /// Writes the file now, then keeps it in step until the handle is stopped.
    ///
    /// - Parameters:
    ///   - envFile: the `.env` path; its folder must exist.
    ///   - mapping: returns the variables the file should hold.
    ///   - onChange: what to do after writing a change; default ``OnChange/restart``.
    ///   - reloadURL: where ``OnChange/reloadHook`` posts (an http or https URL).
    ///   - pollInterval: seconds between runs of the mapping; default 30.
    ///   - trigger: what makes a run happen before the next poll; default
    ///     ``ReconcilerTrigger/automatic`` (the platform's connection events in Vendo mode).
    ///   - debounceSeconds: after a trigger, how long to wait for more before running,
    ///     so a burst of events makes one run; default 0.5.
    ///   - onError: told about each failure (the reconciler keeps going); by default
    ///     a one-line message on standard error. Messages never contain values.
    /// - Returns: a handle to stop it.
    /// - Throws: ``ReconcilerError/Kind/invalidConfiguration`` for an unusable
    ///   argument, before anything runs. The first run's failures are not thrown:
    ///   they go to `onError` and the run is tried again at the next tick.
    public static func start(
        envFile: String,
        mapping: @escaping Mapping,
        onChange: OnChange = .restart,
        reloadURL: String? = nil,
        pollInterval: TimeInterval = 30,
        trigger: ReconcilerTrigger = .automatic,
        debounceSeconds: TimeInterval = 0.5,
        onError: ErrorHandler? = nil
    ) async throws -> ReconcilerHandle {
        try await start(
            envFile: envFile, mapping: mapping, onChange: onChange, reloadURL: reloadURL, pollInterval: pollInterval,
            trigger: trigger, debounceSeconds: debounceSeconds, onError: onError, hooks: ReconcilerHooks())
    }

    /// ``start(envFile:mapping:onChange:reloadURL:pollInterval:trigger:debounceSeconds:onError:)``
    /// with the process exit and the reload transport replaceable, for tests.
    static func start(
        envFile: String, mapping: @escaping Mapping, onChange: OnChange, reloadURL: String?,
        pollInterval: TimeInterval, trigger: ReconcilerTrigger, debounceSeconds: TimeInterval,
        onError: ErrorHandler?, hooks: ReconcilerHooks
    ) async throws -> ReconcilerHandle {
        let files = try ReconcilerFiles(envFile: validEnvFile(envFile))
        guard pollInterval.isFinite, pollInterval > 0 else {
            throw ReconcilerError(
                .invalidConfiguration, "pollInterval must be a positive number of seconds (got \(pollInterval))")
        }
        guard debounceSeconds.isFinite, debounceSeconds >= 0 else {
            throw ReconcilerError(
                .invalidConfiguration, "debounceSeconds must be 0 or more (got \(debounceSeconds))")
        }
        var hookURL: URL?
        if case .reloadHook = onChange {
            guard let reloadURL else {
                throw ReconcilerError(
                    .invalidConfiguration,
                    "onChange: .reloadHook needs reloadURL: the http(s) URL your app reloads on, "
                        + "e.g. http://127.0.0.1:8080/reload")
            }
            hookURL = try validReloadURL(reloadURL)
        } else if let reloadURL {
            hookURL = try validReloadURL(reloadURL)
        }
        let loop = ReconcilerLoop(
            files: files, mapping: mapping, onChange: onChange, reloadURL: hookURL, pollInterval: pollInterval,
            debounceSeconds: debounceSeconds, onError: onError ?? Self.printToStandardError, hooks: hooks)
        // The first run happens before returning, so the file is there for the caller.
        await loop.runOnce(reactToChanges: false)
        return ReconcilerHandle(loop: loop, trigger: trigger)
    }

    /// The default error handler: one line on standard error.
    static let printToStandardError: ErrorHandler = { error in
        FileHandle.standardError.write(Data("vendo: \(error.description)\n".utf8))
    }

    private static func validEnvFile(_ path: String) throws -> String {
        guard !path.isEmpty, !path.contains("\0") else {
            throw ReconcilerError(.invalidConfiguration, "envFile must be a file path, such as \"/app/.env\"")
        }
        return path
    }

    private static func validReloadURL(_ text: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw ReconcilerError(
                .invalidConfiguration,
                "reloadURL \"\(text)\" is not an absolute http(s) URL, e.g. http://127.0.0.1:8080/reload")
        }
        return url
    }
}

/// What tests may replace in a running reconciler.
struct ReconcilerHooks: Sendable {
    /// Ends the process for ``Reconciler/OnChange/restart``.
    var terminate: @Sendable (Int32) -> Void = { status in exit(status) }
    /// Sends the reload hook's request.
    var transport: any HTTPTransport = Vendo.defaultTransport
    /// Retries of the reload hook: the SDK's own (3 attempts, 0.5 s doubling, on network errors and 5xx).
    var reloadRetry: RetryPolicy = .default
}
