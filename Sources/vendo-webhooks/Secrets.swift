#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where webhook signing secrets come from and how they are read.
///
/// A secret is never accepted as a plain `serve` flag value: command lines
/// show up in `ps` and shell history. `serve` reads `VENDO_WEBHOOK_SECRET`
/// and/or a file; the developer commands (`sign`, `verify`, `send`) also take
/// `--secret`, since they run by hand with throw-away secrets.
enum Secrets {
    /// The variable holding the deployment's secret(s), comma-separated for rotation.
    static let variable = "VENDO_WEBHOOK_SECRET"
    /// The variable naming a secret file (Docker/Kubernetes secrets convention).
    static let fileVariable = "VENDO_WEBHOOK_SECRET_FILE"

    /// Splits a comma- or newline-separated list, trimming each entry and dropping empty ones.
    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == "\r" })
            .map { $0.trimmedWhitespace }
            .filter { !$0.isEmpty }
    }

    /// Reads the secrets in a file: one or more, separated by newlines or commas.
    static func read(file path: String, describedAs name: String) throws -> [String] {
        let data: Data
        do {
            data = Data(try FileBytes.read(path))
        } catch {
            throw CLIError("cannot read the secret file \(path) (\(name)): \(describeFileError(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("the secret file \(path) (\(name)) is not UTF-8 text")
        }
        let secrets = split(text)
        if secrets.isEmpty {
            throw CLIError("the secret file \(path) (\(name)) holds no secret; write the whsec_… value into it")
        }
        return secrets
    }

    /// The secrets from the environment and an optional file, in that order, without repeats.
    static func resolve(file: Setting<String>?, env: Environment) throws -> [String] {
        var secrets: [String] = []
        if let value = env.raw(variable) { secrets += split(value) }
        if let file { secrets += try read(file: file.value, describedAs: file.describe(flag: "--secret-file")) }
        var seen = Set<String>()
        return secrets.filter { seen.insert($0).inserted }
    }

    /// A random development secret, `whsec_dev_` and 32 hex digits.
    static func developmentSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_dev_" + bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
