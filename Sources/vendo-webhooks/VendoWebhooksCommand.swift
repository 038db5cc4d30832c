import ArgumentParser

/// The `vendo-webhooks` tool: a deployable endpoint for Vendo's signed webhooks
/// and the developer commands around it (sign, send, verify, healthcheck).
@main
struct VendoWebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vendo-webhooks",
        abstract: "Receive, verify and dispatch Vendo's signed webhooks.",
        discussion: """
            `serve` (the default) runs the endpoint. `sign`, `send` and `verify` \
            help you try it and debug deliveries; `healthcheck` probes a running \
            endpoint (for a container HEALTHCHECK without curl).

            Exit codes: 0 success, 1 failure (a delivery was rejected, a check \
            failed, the port could not be bound), 64 bad usage or configuration, \
            78 refusing to start (on Vendo without a webhook secret).
            """,
        subcommands: [Serve.self, Sign.self, Send.self, Verify.self, Healthcheck.self],
        defaultSubcommand: Serve.self
    )
}
