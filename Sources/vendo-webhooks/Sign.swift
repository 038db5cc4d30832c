import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `vendo-webhooks sign`: the headers Vendo would put on a body.
struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the Vendo-Signature and Vendo-Timestamp headers for a body.",
        discussion: """
            The body comes from --body-file or standard input, byte for byte (no \
            newline is added or removed). The first secret signs. Examples:
              echo -n '{"id":"evt_1","type":"test.ping","data":{}}' | vendo-webhooks sign --secret whsec_x
              vendo-webhooks sign --body-file event.json --format curl --url http://127.0.0.1:8080/webhooks/vendo | sh
            """
    )

    /// How to print the headers.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, curl
    }

    @OptionGroup var secretOptions: SecretOptions

    @Option(help: ArgumentHelp("Read the body from this file ('-' for standard input). (default: standard input)", valueName: "path"))
    var bodyFile: String?

    @Option(help: "Vendo-Timestamp to sign: unix seconds or RFC 3339. (default: now, unix seconds)")
    var timestamp: String?

    @Option(help: "text (two header lines), json, or curl (a ready curl command).")
    var format: Format = .text

    @Option(help: "URL for --format curl. (default: http://127.0.0.1:$PORT/webhooks/vendo)")
    var url: String?

    func run() async throws {
        try await reportingCLIErrors {
            let env = Environment()
            let secret = try secretOptions.resolve(env: env)[0]
            let body = try BodyInput.read(file: bodyFile)
            let timestamp = (timestamp ?? Timestamps.unixSecondsNow()).trimmedWhitespace
            let headers = try Signing.headers(secret: secret, timestamp: timestamp, body: body)
            switch format {
            case .text:
                for (name, value) in headers { Output.out("\(name): \(value)") }
            case .json:
                Output.out(JSONOutput.pretty(.object(Dictionary(uniqueKeysWithValues: headers.map { ($0.0, .string($0.1)) }))))
            case .curl:
                let target = try url ?? Send.defaultURL(env: env)
                var parts = ["curl", "-sS", "-X", "POST", ShellQuote.quote(target), "-H", ShellQuote.quote("Content-Type: application/json")]
                for (name, value) in headers { parts += ["-H", ShellQuote.quote("\(name): \(value)")] }
                if let bodyFile, bodyFile != "-" {
                    parts += ["--data-binary", ShellQuote.quote("@" + bodyFile)]
                } else {
                    parts += ["--data-binary", ShellQuote.quote(String(decoding: body, as: UTF8.self))]
                }
                Output.out(parts.joined(separator: " "))
            }
        }
    }
}

/// POSIX shell quoting for commands the tool prints for you to paste.
enum ShellQuote {
    static func quote(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,")
        if !text.isEmpty, text.allSatisfy({ safe.contains($0) }) { return text }
        return "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
