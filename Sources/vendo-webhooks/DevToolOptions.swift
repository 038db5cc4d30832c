import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Secret options shared by `sign`, `send` and `verify`.
///
/// Unlike `serve`, these developer commands accept the secret as a flag:
/// they run by hand, often with the throw-away secret `serve` printed in
/// development mode. Precedence: --secret, then --secret-file, then
/// VENDO_WEBHOOK_SECRET.
struct SecretOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The signing secret (whsec_…); several comma-separated for verify. (default: VENDO_WEBHOOK_SECRET)", valueName: "secret"))
    var secret: String?

    @Option(help: ArgumentHelp("File holding the secret(s), one per line or comma-separated. (env: VENDO_WEBHOOK_SECRET_FILE)", valueName: "path"))
    var secretFile: String?

    /// The secrets to use, in order; throws a clear error when there is none.
    func resolve(env: Environment) throws -> [String] {
        if let secret {
            let list = Secrets.split(secret)
            guard !list.isEmpty else { throw CLIError("--secret is empty; give the whsec_… value") }
            return list
        }
        if let file = env.pick(secretFile, Secrets.fileVariable) {
            return try Secrets.read(file: file.value, describedAs: file.describe(flag: "--secret-file"))
        }
        let fromEnv = env.raw(Secrets.variable).map(Secrets.split) ?? []
        guard !fromEnv.isEmpty else {
            throw CLIError("no secret: pass --secret whsec_…, --secret-file PATH, or set VENDO_WEBHOOK_SECRET")
        }
        return fromEnv
    }
}

/// Reading a request body from a file or standard input.
enum BodyInput {
    static func read(file: String?) throws -> [UInt8] {
        if let file {
            if file == "-" { return readStandardInput() }
            do {
                return try FileBytes.read(file)
            } catch {
                throw CLIError("cannot read the body file \(file): \(describeFileError(error))")
            }
        }
        if isatty(STDIN_FILENO) != 0 {
            Output.error("reading the body from standard input (end with Ctrl-D; or pass --body-file)")
        }
        return readStandardInput()
    }

    private static func readStandardInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += chunk[0..<n]
            } else if n == 0 || errno != EINTR {
                return bytes
            }
        }
    }
}

/// Timestamps the way Vendo sends them.
enum Timestamps {
    /// The current time as whole unix seconds, the default `Vendo-Timestamp`.
    static func unixSecondsNow() -> String { String(Int(Date().timeIntervalSince1970)) }

    /// The current time in RFC 3339 UTC (seconds precision), for `occurred_at`.
    static func rfc3339Now() -> String {
        Date().formatted(.iso8601)
    }
}
