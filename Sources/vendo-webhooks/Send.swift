import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VendoCore
import VendoWebhooks

/// `vendo-webhooks send`: sign a test event and POST it, like `stripe trigger`.
struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign an event and POST it to an endpoint; print the status and response.",
        discussion: """
            Builds the envelope Vendo sends, {"id", "type", "occurred_at", "data"}, \
            signs it, POSTs it, and prints the status line and the response body. \
            Exits 1 unless the answer is 2xx. Plain http:// only.
              vendo-webhooks send --secret whsec_x --type connection.connected --data '{"slug":"github"}'
            With --body-file the file is sent as is instead of an envelope (e.g. a \
            Telegram update, with --header 'X-Vendo-Provider: telegram').
            """
    )

    @OptionGroup var secretOptions: SecretOptions

    @Option(help: "Endpoint to POST to. (env: VENDO_WEBHOOKS_URL; default: http://127.0.0.1:$PORT/webhooks/vendo, PORT defaulting to 8080)")
    var url: String?

    @Option(name: .customLong("type"), help: "The event type.")
    var eventType: String = "test.ping"

    @Option(help: ArgumentHelp("The event's data, as JSON. (default: {})", valueName: "json"))
    var data: String?

    @Option(help: ArgumentHelp("Read the event's data from this JSON file.", valueName: "path"))
    var dataFile: String?

    @Option(help: "The event id (resend the same id to see duplicate handling). (default: evt_ and 24 random hex digits)")
    var id: String?

    @Option(help: ArgumentHelp("Send this file's bytes as the body instead of an envelope.", valueName: "path"))
    var bodyFile: String?

    @Option(help: "Vendo-Timestamp to sign with: unix seconds or RFC 3339. (default: now)")
    var timestamp: String?

    @Option(name: .customLong("header"), help: ArgumentHelp("An extra request header 'Name: value'; repeatable.", valueName: "line"))
    var headerLines: [String] = []

    @Option(help: "Give up after this long. (default: 10s)")
    var timeout: String = "10s"

    @Flag(name: .shortAndLong, help: "Also print the request (headers and body) to standard error.")
    var verbose = false

    func run() async throws {
        try await reportingCLIErrors {
            let env = Environment()
            let secret = try secretOptions.resolve(env: env)[0]
            guard let timeout = Units.duration(timeout), timeout > .zero else {
                throw CLIError("--timeout \(self.timeout) is not a positive duration such as 10s")
            }
            let body = try makeBody()
            var headers = [("Content-Type", "application/json")]
            headers += try Signing.headers(secret: secret, timestamp: timestamp ?? Timestamps.unixSecondsNow(), body: body)
            for line in headerLines {
                guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                    throw CLIError("--header '\(line)' is not 'Name: value'")
                }
                headers.append((String(line[..<colon]).trimmedWhitespace,
                                String(line[line.index(after: colon)...]).trimmedWhitespace))
            }
            let target = try url ?? env["VENDO_WEBHOOKS_URL"] ?? Self.defaultURL(env: env)
            if verbose {
                Output.error("POST \(target)")
                for (name, value) in headers { Output.error("\(name): \(value)") }
                Output.error("")
                Output.error(String(decoding: body, as: UTF8.self))
            }
            let response: OutboundHTTPResponse
            do throws(OutboundHTTPError) {
                let client = OutboundHTTPClient(configuration: .init(timeout: timeout))
                response = try client.sendBlocking(
                    method: "POST", url: try OutboundURL(target), headers: headers.map { (name: $0.0, value: $0.1) }, body: body)
            } catch {
                var message = "send failed: \(error.description)"
                if case .connectFailed = error { message += " (is `vendo-webhooks serve` running there?)" }
                if case .invalidURL = error, target.lowercased().hasPrefix("https://") {
                    message += "; to send to an https:// endpoint use `vendo-webhooks sign --format curl` and curl"
                }
                Output.error(message)
                throw ExitStatus.failure
            }
            Output.out("HTTP \(response.status) \(response.reason)".trimmedWhitespace)
            if !response.body.isEmpty {
                Output.outBytes(response.body)
                if response.body.last != UInt8(ascii: "\n") { Output.outRaw("\n") }
            }
            guard (200..<300).contains(response.status) else { throw ExitStatus.failure }
        }
    }

    /// The envelope (or the raw file with --body-file).
    private func makeBody() throws -> [UInt8] {
        if let bodyFile {
            guard data == nil, dataFile == nil, id == nil else {
                throw CLIError("--body-file sends the file as is: drop --data, --data-file and --id")
            }
            return try BodyInput.read(file: bodyFile)
        }
        if data != nil && dataFile != nil { throw CLIError("give --data or --data-file, not both") }
        var dataText = data ?? "{}"
        var dataOrigin = "--data"
        if let dataFile {
            dataOrigin = "--data-file \(dataFile)"
            do {
                dataText = String(decoding: try FileBytes.read(dataFile), as: UTF8.self)
            } catch {
                throw CLIError("cannot read \(dataFile): \(describeFileError(error))")
            }
        }
        dataText = dataText.trimmedWhitespace
        do {
            _ = try JSONValue(parsing: dataText)
        } catch {
            throw CLIError("\(dataOrigin) is not valid JSON: \(dataText.prefix(80)); e.g. --data '{\"slug\":\"github\"}'")
        }
        guard !eventType.trimmedWhitespace.isEmpty else {
            throw CLIError("--type is empty; give an event type such as connection.connected")
        }
        var envelope = "{\"id\":"
        JSONText.appendString(id ?? Self.randomEventID(), to: &envelope)
        envelope += ",\"type\":"
        JSONText.appendString(eventType, to: &envelope)
        envelope += ",\"occurred_at\":"
        JSONText.appendString(Timestamps.rfc3339Now(), to: &envelope)
        envelope += ",\"data\":" + dataText + "}"
        return Array(envelope.utf8)
    }

    static func randomEventID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "evt_" + (0..<12).map { _ in String(UInt8.random(in: .min ... .max, using: &generator), radix: 16).leftPadded(to: 2) }.joined()
    }

    /// `serve`'s webhook URL on this machine, from the same PORT and VENDO_WEBHOOKS_PATH.
    static func defaultURL(env: Environment) throws -> String {
        try LocalURL.make(env: env, pathVariable: "VENDO_WEBHOOKS_PATH", defaultPath: "/webhooks/vendo")
    }
}
