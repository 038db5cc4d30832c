#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Logging
import VendoCore
import VendoHTTPServer
import VendoWebhooks

/// Builds the endpoint from resolved settings, listens, and drains on a signal.
struct ServeRunner {
    let settings: ServeSettings
    let env: Environment
    let logger = Logger(label: "vendo.webhooks")

    func run() async throws {
        let secrets: [String]
        var developmentSecret: String?
        switch settings.secrets {
        case .configured(let list, _):
            secrets = list
        case .development:
            let secret = Secrets.developmentSecret()
            developmentSecret = secret
            secrets = [secret]
        }

        let endpoint = try makeEndpoint(secrets: secrets)

        var serverConfiguration = HTTPServer.Configuration()
        serverConfiguration.host = settings.host
        serverConfiguration.port = settings.port
        serverConfiguration.maxConnections = settings.maxConnections
        serverConfiguration.limits.maxBodySize = settings.maxBodyBytes
        serverConfiguration.timeouts.headerRead = settings.headerTimeout
        serverConfiguration.timeouts.bodyRead = settings.bodyTimeout
        serverConfiguration.timeouts.idle = settings.idleTimeout
        serverConfiguration.shutdownGracePeriod = settings.shutdownGrace
        let server = HTTPServer(
            configuration: serverConfiguration,
            logger: Logger(label: "vendo.http"),
            responder: endpoint.responder()
        )
        do {
            try server.start()
        } catch {
            throw CLIError("cannot listen on \(Self.authority(settings.host, settings.port)): \(error)", exitCode: ExitStatus.failure)
        }

        // Watch signals before announcing: whoever reads the line may signal at once.
        let logger = self.logger
        let signals = ShutdownSignals { number in
            logger.notice("received \(ShutdownSignals.name(number)): draining in-flight deliveries", metadata: [
                "shutdown.grace": "\(Units.describe(settings.shutdownGrace))",
            ])
            Task { await server.shutdown() }
        }

        Output.out("listening on http://\(Self.authority(server.host, server.port))")
        logger.info("vendo-webhooks ready", metadata: [
            "http.address": "\(Self.authority(server.host, server.port))",
            "webhook.path": "\(settings.webhookPath)",
            "webhook.handlers": "\(settings.handlers.count)",
            "webhook.secrets": "\(secrets.count)",
            "sso.trust_proxy": "\(settings.trustProxy)",
        ])
        if settings.handlers.isEmpty {
            logger.warning("no handlers configured: verified deliveries are acknowledged and dropped; add --exec, --forward, --on or --config")
        }
        if let developmentSecret {
            announceDevelopmentMode(secret: developmentSecret, port: server.port)
        }

        await server.waitUntilStopped()
        withExtendedLifetime(signals) {}
        logger.notice("stopped")
    }

    /// Builds the receiver, its handlers and the routes; `--check-config` runs
    /// this too, so a handler that cannot be made fails the check.
    func makeEndpoint(secrets: [String]) throws -> WebhookEndpoint {
        do {
            var receiver = try WebhookReceiver(
                secrets: secrets,
                maxAgeSeconds: settings.maxAgeSeconds,
                configuration: .init(
                    maxBodySize: settings.maxBodyBytes,
                    handlerTimeout: settings.handlerTimeout,
                    dedupeCapacity: settings.dedupeCapacity
                ),
                logger: logger
            )
            for spec in settings.handlers {
                try HandlerFactory.register(spec, on: &receiver, defaultTimeout: settings.handlerTimeout,
                                            environment: env.dictionary, logger: logger)
            }
            return try WebhookEndpoint(
                receiver: receiver,
                configuration: .init(
                    webhookPath: settings.webhookPath,
                    healthPath: settings.healthPath,
                    identityPath: settings.identityPath,
                    metricsPath: settings.metricsPath,
                    telegramPath: settings.telegramPath,
                    trustProxy: settings.trustProxy
                ),
                environment: env.dictionary
            )
        } catch let error as WebhookConfigurationError {
            throw CLIError(error.message)
        }
    }

    /// Prints the throw-away secret and a command that sends a signed test event.
    /// Printing a secret is deliberate here and only here: it was made up a moment ago.
    private func announceDevelopmentMode(secret: String, port: Int) {
        let host = switch settings.host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "::1"
        default: settings.host
        }
        let url = "http://\(Self.authority(host, port))\(settings.webhookPath)"
        Output.error("""
            vendo-webhooks: DEVELOPMENT MODE: no VENDO_WEBHOOK_SECRET or --secret-file, so this run \
            uses a random secret (on Vendo, where VENDO_DEPLOYMENT_ID is set, it would refuse to start):
              VENDO_WEBHOOK_SECRET=\(secret)
            Try it:
              vendo-webhooks send --secret \(secret) --url \(ShellQuote.quote(url)) --type test.ping --data '{"hello":"world"}'
            """)
    }

    /// "host:port" with IPv6 hosts in brackets.
    static func authority(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Turns a `HandlerSpec` into a registered handler.
enum HandlerFactory {
    static func register(
        _ spec: HandlerSpec, on receiver: inout WebhookReceiver, defaultTimeout: Duration,
        environment: [String: String], logger: Logger
    ) throws {
        let timeout = spec.timeout ?? defaultTimeout
        let name = "\(spec.action.kind) \(spec.action.targetDescription)"
        let handler: any WebhookHandler
        do {
            switch spec.action {
            case .exec(let command):
                handler = try ExecHandler(.shell(command), configuration: .init(timeout: timeout), environment: environment, logger: logger)
            case .execArgv(let argv):
                handler = try ExecHandler(.argv(argv), configuration: .init(timeout: timeout), environment: environment, logger: logger)
            case .forward(let url):
                guard let parsed = URL(string: url) else { throw CLIError("\(spec.origin): '\(url)' is not a URL") }
                handler = try ForwardHandler(url: parsed, timeout: timeout, logger: logger)
            }
        } catch let error as WebhookConfigurationError {
            throw CLIError("\(spec.origin): \(error.message)")
        }
        guard let patterns = spec.patterns else {
            receiver.onAny(name: name, timeout: timeout) { try await handler.handle($0) }
            return
        }
        let parsed = try patterns.map { text in
            do { return try EventPattern(parsing: text) } catch {
                throw CLIError("\(spec.origin): event type pattern '\(text)': \(error)")
            }
        }
        if parsed.count == 1 {
            receiver.on(parsed[0], name: name, timeout: timeout, handler: handler)
        } else {
            // One registration, so an event matching two of the patterns runs the handler once.
            receiver.onAny(name: name, timeout: timeout) { delivery in
                if parsed.contains(where: { $0.matches(delivery.type) }) { try await handler.handle(delivery) }
            }
        }
    }
}

extension HandlerAction {
    /// The command or URL, for handler names in logs.
    var targetDescription: String {
        switch self {
        case .exec(let command): command
        case .execArgv(let argv): argv.joined(separator: " ")
        case .forward(let url): url
        }
    }
}
