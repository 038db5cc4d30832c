import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VendoCore

/// `vendo-webhooks verify`: check a captured delivery as the endpoint would.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a captured delivery; print its event as JSON (exit 0) or why it fails (exit 1).",
        discussion: """
            Give the headers with --signature/--timestamp or --header 'Name: value' \
            (repeatable; e.g. pasted from a log), the raw body with --body-file or \
            standard input. --now checks it as of another time, so an old capture \
            can still be checked:
              vendo-webhooks verify --secret whsec_x --header 'Vendo-Signature: 5d…' \\
                --header 'Vendo-Timestamp: 1767225600' --now 1767225600 --body-file body.json
            """
    )

    @OptionGroup var secretOptions: SecretOptions

    @Option(help: "The Vendo-Signature header value.")
    var signature: String?

    @Option(help: "The Vendo-Timestamp header value (unix seconds or RFC 3339).")
    var timestamp: String?

    @Option(name: .customLong("header"), help: ArgumentHelp("A header line 'Name: value'; repeatable.", valueName: "line"))
    var headerLines: [String] = []

    @Option(help: ArgumentHelp("Read the body from this file ('-' for standard input). (default: standard input)", valueName: "path"))
    var bodyFile: String?

    @Option(help: "Accepted distance between the timestamp and now, in seconds. (default: 300)")
    var maxAge: Int = WebhooksAPI.defaultMaxAgeSeconds

    @Option(help: ArgumentHelp("Check as of this time, in unix seconds. (default: now)", valueName: "epoch"))
    var now: Double?

    func run() async throws {
        try await reportingCLIErrors {
            guard maxAge >= 0 else { throw CLIError("--max-age \(maxAge) must be 0 or more seconds") }
            let secrets = try secretOptions.resolve(env: Environment())
            var headers: [(String, String)] = []
            for line in headerLines {
                guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                    throw CLIError("--header '\(line)' is not 'Name: value'")
                }
                headers.append((String(line[..<colon]).trimmedWhitespace,
                                String(line[line.index(after: colon)...]).trimmedWhitespace))
            }
            if let signature { headers.append((WebhooksAPI.signatureHeader, signature)) }
            if let timestamp { headers.append((WebhooksAPI.timestampHeader, timestamp)) }
            let body = try BodyInput.read(file: bodyFile)
            let clockTime = now
            let verifier = WebhooksAPI(secrets: secrets, maxAgeSeconds: maxAge) {
                clockTime.map { Date(timeIntervalSince1970: $0) } ?? Date()
            }
            do {
                let event = try verifier.verify(headers: headers, body: body)
                Output.out(JSONOutput.pretty(.object([
                    "id": .string(event.id), "type": .string(event.type),
                    "occurred_at": .string(event.occurredAt), "data": event.data,
                ])))
            } catch let error as VendoError {
                Output.error("invalid: \(error.message)")
                throw ExitStatus.failure
            }
        }
    }
}
