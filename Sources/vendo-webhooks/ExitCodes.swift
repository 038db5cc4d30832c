import ArgumentParser

/// The exit statuses the tool documents (sysexits.h names where one fits).
enum ExitStatus {
    /// A check or delivery failed at run time.
    static let failure = ExitCode(1)
    /// The command line, an environment variable or a configuration file is wrong (EX_USAGE).
    static let usage = ExitCode(64)
    /// The environment cannot run the command as configured (EX_CONFIG): on Vendo without a secret.
    static let config = ExitCode(78)
}

/// A problem the user can fix, reported as one clear line and an exit status.
///
/// ArgumentParser would print usage after its own `ValidationError`; a bad
/// config file or environment variable deserves only the message.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var exitCode: ExitCode

    init(_ message: String, exitCode: ExitCode = ExitStatus.usage) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }
}

/// Runs `body`, turning a `CLIError` into its message on standard error and its exit status.
func reportingCLIErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as CLIError {
        Output.error("vendo-webhooks: error: \(error.message)")
        throw error.exitCode
    }
}
