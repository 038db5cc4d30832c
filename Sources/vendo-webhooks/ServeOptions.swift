import ArgumentParser

/// The command-line surface of `serve`. Every value is optional here: the
/// flag, its environment twin and the default are combined in `ServeSettings`.
struct ServeOptions: ParsableArguments {
    // MARK: Listening
    @Option(help: "Address to bind: 0.0.0.0 (all IPv4), :: (all IPv6), 127.0.0.1 (local only). (env: HOST; default: 0.0.0.0)")
    var host: String?

    @Option(help: "TCP port; 0 picks a free one (the `listening on` line tells which). (env: PORT; default: 8080)")
    var port: String?

    // MARK: Webhook verification
    @Option(help: "Path that receives signed deliveries (POST). (env: VENDO_WEBHOOKS_PATH; default: /webhooks/vendo)")
    var webhookPath: String?

    @Option(help: "Oldest (and furthest future) Vendo-Timestamp accepted, in seconds. (env: VENDO_WEBHOOKS_MAX_AGE; default: 300)")
    var maxAge: String?

    @Option(help: "Largest delivery body accepted, e.g. 1MiB, 512KiB, 65536; larger gets 413. (env: VENDO_WEBHOOKS_MAX_BODY; default: 1MiB)")
    var maxBody: String?

    @Option(help: ArgumentHelp(
        "File holding the signing secret(s), one per line or comma-separated; added to VENDO_WEBHOOK_SECRET. (env: VENDO_WEBHOOK_SECRET_FILE)",
        discussion: "The secret itself is never a flag: set VENDO_WEBHOOK_SECRET (comma-separated for rotation) or use this file.",
        valueName: "path"))
    var secretFile: String?

    // MARK: Handlers
    @Option(name: .customLong("exec"), help: ArgumentHelp(
        "Run a shell command for every event: body on stdin, VENDO_EVENT_ID/VENDO_EVENT_TYPE/… in its environment; exit 0 = handled. Repeatable. (env: VENDO_WEBHOOKS_EXEC, one command)",
        valueName: "command"))
    var exec: [String] = []

    @Option(name: .customLong("forward"), help: ArgumentHelp(
        "POST every verified body to a URL (Vendo-Event-Id/-Type headers); 2xx = handled. Repeatable. (env: VENDO_WEBHOOKS_FORWARD, URLs separated by spaces or commas)",
        valueName: "url"))
    var forward: [String] = []

    @Option(name: .customLong("on"), help: ArgumentHelp(
        "Route by event type: TYPE=exec:COMMAND or TYPE=forward:URL. TYPE is an exact type, prefix.* or *, or several separated by commas. Repeatable. (env: VENDO_WEBHOOKS_ON, one route per line)",
        valueName: "type=action"))
    var on: [String] = []

    @Option(help: ArgumentHelp(
        "JSON file listing handlers: {\"handlers\": [{\"on\": \"connection.*\", \"exec\": \"./h.sh\", \"timeout\": \"5s\"}]}; adds to the flags. (env: VENDO_WEBHOOKS_CONFIG)",
        valueName: "file"))
    var config: String?

    @Option(help: "Time one handler may take before the delivery fails with 503 (an --exec process is killed). (env: VENDO_WEBHOOKS_HANDLER_TIMEOUT; default: 10s)")
    var handlerTimeout: String?

    @Option(help: "Event ids remembered for duplicate detection. (env: VENDO_WEBHOOKS_DEDUPE_CAPACITY; default: 20000)")
    var dedupeCapacity: String?

    // MARK: Other routes
    @Option(help: "Liveness route, GET, no auth. (env: VENDO_WEBHOOKS_HEALTH_PATH; default: /healthz)")
    var healthPath: String?

    @Option(help: "Route answering the signed-in Vendo user as JSON ({} when none); `off` disables. (env: VENDO_WEBHOOKS_IDENTITY_PATH; default: /api/vendo/identity)")
    var identityPath: String?

    @Flag(help: "Trust X-Vendo-User-* identity headers (only behind Vendo's app proxy, which sets them). Also on when VENDO_AUTH=1. (env: VENDO_WEBHOOKS_TRUST_PROXY)")
    var trustProxy = false

    @Option(help: "Serve Prometheus metrics at this path, e.g. /metrics. (env: VENDO_WEBHOOKS_METRICS_PATH; default: off)")
    var metricsPath: String?

    @Option(help: "Accept Telegram's direct webhook calls here, checked against TELEGRAM_SIGNING_SECRET. (env: VENDO_WEBHOOKS_TELEGRAM_PATH; default: off)")
    var telegramPath: String?

    // MARK: Server limits
    @Option(help: "Simultaneous connections; beyond it the server stops accepting until one closes. (env: VENDO_WEBHOOKS_MAX_CONNECTIONS; default: 1024)")
    var maxConnections: String?

    @Option(help: "Close a keep-alive connection idle this long. (env: VENDO_WEBHOOKS_IDLE_TIMEOUT; default: 5s)")
    var idleTimeout: String?

    @Option(help: "Time a client has to send the request head. (env: VENDO_WEBHOOKS_HEADER_TIMEOUT; default: 10s)")
    var headerTimeout: String?

    @Option(help: "Time a client has to send the body. (env: VENDO_WEBHOOKS_BODY_TIMEOUT; default: 30s)")
    var bodyTimeout: String?

    @Option(help: "On SIGTERM/SIGINT, time in-flight deliveries get to finish. (env: VENDO_WEBHOOKS_SHUTDOWN_GRACE; default: handler timeout + 5s)")
    var shutdownGrace: String?

    // MARK: Logging
    @Option(help: "trace, debug, info, notice, warning, error or critical. (env: LOG_LEVEL; default: info)")
    var logLevel: String?

    @Option(help: "text or json (one JSON object per line); logs go to standard error. (env: LOG_FORMAT; default: text)")
    var logFormat: String?

    @Flag(help: "Check the configuration, print it as JSON (secrets only counted) and exit without listening.")
    var checkConfig = false
}
