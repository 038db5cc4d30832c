import ArgumentParser
import Logging
import VendoCore

/// `vendo-webhooks serve`: the deployable endpoint.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the webhook endpoint (the default command).",
        discussion: """
            Verifies every delivery to the webhook path (Vendo-Signature, \
            Vendo-Timestamp), acknowledges duplicates once, and runs the handlers \
            whose event types match: 2xx only after all of them succeeded, 503 \
            otherwise so the sender retries.

            Secrets: VENDO_WEBHOOK_SECRET (comma-separated to rotate) and/or \
            --secret-file. With neither: on Vendo (VENDO_DEPLOYMENT_ID set) it \
            refuses to start (exit 78); elsewhere it starts in development mode \
            with a random secret and prints a `vendo-webhooks send` command to try it.

            Once listening, the first line on standard output is exactly \
            `listening on http://HOST:PORT`; logs go to standard error. SIGTERM or \
            SIGINT drains in-flight deliveries and exits 0; a second signal exits at once.

            Every option has an environment twin (shown as env:); a flag wins over \
            its variable. Examples:
              vendo-webhooks serve --exec ./handle-event.sh
              vendo-webhooks serve --on 'connection.*=forward:http://127.0.0.1:3000/hooks'
              PORT=9000 VENDO_WEBHOOKS_CONFIG=handlers.json vendo-webhooks serve
            """
    )

    @OptionGroup var options: ServeOptions

    func run() async throws {
        try await reportingCLIErrors {
            let env = Environment()
            let settings = try ServeSettings.resolve(options, env: env)
            if options.checkConfig {
                // Build everything but the socket, so handler errors show up here too.
                _ = try ServeRunner(settings: settings, env: env).makeEndpoint(secrets: ["whsec_check_config"])
                Output.out(JSONOutput.pretty(settings.summary))
                return
            }
            LogSetup.bootstrap(level: settings.logLevel, format: settings.logFormat)
            // The endpoint reports its own errors, never libcrypto's strings:
            // not loading them keeps about 0.5 MiB out of memory.
            LibCryptoSetup.skipErrorStrings()
            try await ServeRunner(settings: settings, env: env).run()
        }
    }
}
