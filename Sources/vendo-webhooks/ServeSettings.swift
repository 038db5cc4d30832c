#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Logging
import VendoCore

/// Everything `serve` needs, resolved from flags, environment and config file.
///
/// Resolution is pure (no sockets), so `--check-config` can print it and the
/// tests can check every flag and its environment twin.
struct ServeSettings {
    /// Where the webhook secrets come from.
    enum SecretMode: Equatable {
        /// Configured secrets (never printed).
        case configured([String], sources: [String])
        /// No secret and not on Vendo: a random secret is made at start.
        case development
    }

    var host = "0.0.0.0"
    var port = 8080
    var webhookPath = "/webhooks/vendo"
    var healthPath = "/healthz"
    var identityPath: String? = "/api/vendo/identity"
    var metricsPath: String?
    var telegramPath: String?
    var trustProxy = false
    var maxAgeSeconds = 300
    var maxBodyBytes = 1 << 20
    var secrets: SecretMode = .development
    var handlers: [HandlerSpec] = []
    var handlerTimeout: Duration = .seconds(10)
    var dedupeCapacity = 20_000
    var maxConnections = 1024
    var idleTimeout: Duration = .seconds(5)
    var headerTimeout: Duration = .seconds(10)
    var bodyTimeout: Duration = .seconds(30)
    var shutdownGrace: Duration = .seconds(15)
    var logLevel: Logger.Level = .info
    var logFormat: LogFormat = .text

    /// Combines the flags with their environment twins and the config file.
    /// Throws `CLIError` naming the flag or variable at fault; exit 78 when on
    /// Vendo without a secret.
    static func resolve(_ options: ServeOptions, env: Environment) throws -> ServeSettings {
        var settings = ServeSettings()

        if let host = env.pick(options.host, "HOST") {
            guard !host.value.contains(where: \.isWhitespace), !host.value.contains("/") else {
                throw CLIError("\(host.describe(flag: "--host")) '\(host.value)' is not an address; use e.g. 0.0.0.0, ::, 127.0.0.1")
            }
            settings.host = host.value.hasPrefix("[") && host.value.hasSuffix("]")
                ? String(host.value.dropFirst().dropLast()) : host.value
        }
        if let port = env.pick(options.port, "PORT") {
            guard let value = Int(port.value), (0...65535).contains(value) else {
                throw CLIError("\(port.describe(flag: "--port")) '\(port.value)' is not a port number (0-65535; 0 picks a free port)")
            }
            settings.port = value
        }

        settings.webhookPath = try path(env.pick(options.webhookPath, "VENDO_WEBHOOKS_PATH"), flag: "--webhook-path") ?? settings.webhookPath
        settings.healthPath = try path(env.pick(options.healthPath, "VENDO_WEBHOOKS_HEALTH_PATH"), flag: "--health-path") ?? settings.healthPath
        if let identity = env.pick(options.identityPath, "VENDO_WEBHOOKS_IDENTITY_PATH") {
            settings.identityPath = isOff(identity.value) ? nil : try path(identity, flag: "--identity-path")
        }
        if let metrics = env.pick(options.metricsPath, "VENDO_WEBHOOKS_METRICS_PATH"), !isOff(metrics.value) {
            settings.metricsPath = try path(metrics, flag: "--metrics-path")
        }
        if let telegram = env.pick(options.telegramPath, "VENDO_WEBHOOKS_TELEGRAM_PATH"), !isOff(telegram.value) {
            settings.telegramPath = try path(telegram, flag: "--telegram-path")
            if env["TELEGRAM_SIGNING_SECRET"] == nil {
                throw CLIError("\(telegram.describe(flag: "--telegram-path")) needs TELEGRAM_SIGNING_SECRET (the secret token you gave Telegram's setWebhook); set it or drop the path")
            }
        }
        try checkDistinctPaths(settings)

        settings.trustProxy = try options.trustProxy
            || (env.bool("VENDO_WEBHOOKS_TRUST_PROXY") ?? false)
            || env["VENDO_AUTH"] == "1"

        if let maxAge = env.pick(options.maxAge, "VENDO_WEBHOOKS_MAX_AGE") {
            guard let value = Int(maxAge.value), value > 0 else {
                throw CLIError("\(maxAge.describe(flag: "--max-age")) '\(maxAge.value)' is not a positive number of seconds (default 300)")
            }
            settings.maxAgeSeconds = value
        }
        if let maxBody = env.pick(options.maxBody, "VENDO_WEBHOOKS_MAX_BODY") {
            guard let value = Units.byteCount(maxBody.value), value > 0 else {
                throw CLIError("\(maxBody.describe(flag: "--max-body")) '\(maxBody.value)' is not a size such as 1MiB, 512KiB or 65536")
            }
            settings.maxBodyBytes = value
        }
        settings.dedupeCapacity = try positiveInt(env.pick(options.dedupeCapacity, "VENDO_WEBHOOKS_DEDUPE_CAPACITY"), flag: "--dedupe-capacity") ?? settings.dedupeCapacity
        settings.maxConnections = try positiveInt(env.pick(options.maxConnections, "VENDO_WEBHOOKS_MAX_CONNECTIONS"), flag: "--max-connections") ?? settings.maxConnections

        // Handlers: flags (or their twins), then --on routes, then the config file.
        var config: ConfigFile?
        if let configPath = env.pick(options.config, "VENDO_WEBHOOKS_CONFIG") {
            config = try RouteConfig.load(path: configPath.value)
        }
        settings.handlerTimeout = try duration(env.pick(options.handlerTimeout, "VENDO_WEBHOOKS_HANDLER_TIMEOUT"), flag: "--handler-timeout")
            ?? config?.handlerTimeout ?? settings.handlerTimeout

        let execs = options.exec.isEmpty ? (env["VENDO_WEBHOOKS_EXEC"].map { [$0] } ?? []) : options.exec
        let execOrigin = options.exec.isEmpty ? "VENDO_WEBHOOKS_EXEC" : "--exec"
        for command in execs {
            settings.handlers.append(HandlerSpec(patterns: nil, action: try RouteConfig.execAction(command, origin: execOrigin), timeout: nil, origin: execOrigin))
        }
        let forwards = options.forward.isEmpty
            ? (env["VENDO_WEBHOOKS_FORWARD"].map { $0.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init) } ?? [])
            : options.forward
        let forwardOrigin = options.forward.isEmpty ? "VENDO_WEBHOOKS_FORWARD" : "--forward"
        for url in forwards {
            settings.handlers.append(HandlerSpec(patterns: nil, action: try RouteConfig.forwardAction(url, origin: forwardOrigin), timeout: nil, origin: forwardOrigin))
        }
        let routes = options.on.isEmpty
            ? (env["VENDO_WEBHOOKS_ON"].map { $0.split(whereSeparator: \.isNewline).map { $0.trimmedWhitespace }.filter { !$0.isEmpty } } ?? [])
            : options.on
        let routeOrigin = options.on.isEmpty ? "VENDO_WEBHOOKS_ON" : "--on"
        for (index, route) in routes.enumerated() {
            settings.handlers.append(try RouteConfig.parseOn(route, origin: routes.count > 1 ? "\(routeOrigin) #\(index + 1)" : routeOrigin))
        }
        settings.handlers += config?.handlers ?? []

        settings.idleTimeout = try duration(env.pick(options.idleTimeout, "VENDO_WEBHOOKS_IDLE_TIMEOUT"), flag: "--idle-timeout") ?? settings.idleTimeout
        settings.headerTimeout = try duration(env.pick(options.headerTimeout, "VENDO_WEBHOOKS_HEADER_TIMEOUT"), flag: "--header-timeout") ?? settings.headerTimeout
        settings.bodyTimeout = try duration(env.pick(options.bodyTimeout, "VENDO_WEBHOOKS_BODY_TIMEOUT"), flag: "--body-timeout") ?? settings.bodyTimeout
        let longestHandler = settings.handlers.compactMap(\.timeout).max().map { max($0, settings.handlerTimeout) } ?? settings.handlerTimeout
        settings.shutdownGrace = try duration(env.pick(options.shutdownGrace, "VENDO_WEBHOOKS_SHUTDOWN_GRACE"), flag: "--shutdown-grace")
            ?? longestHandler + .seconds(5)

        if let level = env.pick(options.logLevel, "LOG_LEVEL") {
            guard let value = LogSetup.level(level.value) else {
                throw CLIError("\(level.describe(flag: "--log-level")) '\(level.value)' is not a level: trace, debug, info, notice, warning, error, critical")
            }
            settings.logLevel = value
        }
        if let format = env.pick(options.logFormat, "LOG_FORMAT") {
            guard let value = LogFormat(rawValue: format.value.lowercased()) else {
                throw CLIError("\(format.describe(flag: "--log-format")) '\(format.value)' is not a log format: text or json")
            }
            settings.logFormat = value
        }

        let secretFile = env.pick(options.secretFile, Secrets.fileVariable)
        let secrets = try Secrets.resolve(file: secretFile, env: env)
        if secrets.isEmpty {
            if env["VENDO_DEPLOYMENT_ID"] != nil {
                throw CLIError("""
                    no webhook secret: this process runs on Vendo (VENDO_DEPLOYMENT_ID is set) but \
                    VENDO_WEBHOOK_SECRET is empty and no --secret-file was given. Refusing to accept \
                    unsigned deliveries. Vendo sets VENDO_WEBHOOK_SECRET on every deployment: check the \
                    deployment's environment, or pass --secret-file.
                    """, exitCode: ExitStatus.config)
            }
            settings.secrets = .development
        } else {
            var sources: [String] = []
            if env.raw(Secrets.variable).map(Secrets.split)?.isEmpty == false { sources.append(Secrets.variable) }
            if let secretFile { sources.append(secretFile.describe(flag: "--secret-file")) }
            settings.secrets = .configured(secrets, sources: sources)
        }
        return settings
    }

    private static func isOff(_ value: String) -> Bool {
        ["off", "none", "false", "0", "-"].contains(value.lowercased())
    }

    private static func path(_ setting: Setting<String>?, flag: String) throws -> String? {
        guard let setting else { return nil }
        let value = setting.value
        guard value.hasPrefix("/"), !value.contains(where: { $0.isWhitespace || $0 == "?" || $0 == "#" }) else {
            throw CLIError("\(setting.describe(flag: flag)) '\(value)' is not a path; it must start with / and hold no spaces, ? or #")
        }
        return value
    }

    private static func checkDistinctPaths(_ settings: ServeSettings) throws {
        let named: [(String, String?)] = [
            ("--webhook-path", settings.webhookPath), ("--health-path", settings.healthPath),
            ("--identity-path", settings.identityPath), ("--metrics-path", settings.metricsPath),
            ("--telegram-path", settings.telegramPath),
        ]
        var seen: [String: String] = [:]
        for (flag, path) in named {
            guard let path else { continue }
            if let other = seen[path] {
                throw CLIError("\(other) and \(flag) are both \(path); give each route its own path")
            }
            seen[path] = flag
        }
    }

    private static func positiveInt(_ setting: Setting<String>?, flag: String) throws -> Int? {
        guard let setting else { return nil }
        guard let value = Int(setting.value), value > 0 else {
            throw CLIError("\(setting.describe(flag: flag)) '\(setting.value)' is not a positive whole number")
        }
        return value
    }

    private static func duration(_ setting: Setting<String>?, flag: String) throws -> Duration? {
        guard let setting else { return nil }
        guard let value = Units.duration(setting.value), value > .zero else {
            throw CLIError("\(setting.describe(flag: flag)) '\(setting.value)' is not a positive duration such as 10s, 500ms or 2m")
        }
        return value
    }
}
