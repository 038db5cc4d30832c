import Foundation
import Testing
import Vendo

/// `serve` option resolution, checked through `serve --check-config` on the real binary:
/// flags, their environment twins, defaults, the config file and every error message.
@Suite("CLI: serve configuration")
struct CLIConfigurationTests {
    /// Runs `serve --check-config ARGS` and returns the printed configuration.
    private func effective(_ arguments: [String] = [], env: [String: String] = [:]) async throws -> JSONValue {
        let result = try await runCLI(["serve", "--check-config"] + arguments, environment: env)
        try #require(result.status == 0, "exit \(result.status): \(result.stderr)")
        return try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
    }

    /// Runs `serve --check-config ARGS`, expecting it to fail; returns status and stderr.
    private func failure(_ arguments: [String], env: [String: String] = [:]) async throws -> (Int32, String) {
        let result = try await runCLI(["serve", "--check-config"] + arguments, environment: env)
        #expect(result.stdout.isEmpty, "a failed check prints no configuration")
        return (result.status, result.stderr)
    }

    @Test func defaultsAreDocumentedOnes() async throws {
        let config = try await effective()
        #expect(config["host"] == "0.0.0.0")
        #expect(config["port"] == 8080)
        #expect(config["paths"]?["webhook"] == "/webhooks/vendo")
        #expect(config["paths"]?["health"] == "/healthz")
        #expect(config["paths"]?["identity"] == "/api/vendo/identity")
        #expect(config["paths"]?["metrics"] == .null)
        #expect(config["paths"]?["telegram"] == .null)
        #expect(config["max_age_seconds"] == 300)
        #expect(config["max_body_bytes"] == 1_048_576)
        #expect(config["handler_timeout"] == "10s")
        #expect(config["dedupe_capacity"] == 20000)
        #expect(config["trust_proxy"] == false)
        #expect(config["secrets"]?["mode"] == "development")
        #expect(config["handlers"] == [])
        #expect(config["server"]?["max_connections"] == 1024)
        #expect(config["server"]?["idle_timeout"] == "5s")
        #expect(config["server"]?["header_timeout"] == "10s")
        #expect(config["server"]?["body_timeout"] == "30s")
        #expect(config["server"]?["shutdown_grace"] == "15s", "handler timeout + 5 s")
        #expect(config["log_level"] == "info")
        #expect(config["log_format"] == "text")
    }

    @Test func everyFlagIsApplied() async throws {
        let config = try await effective([
            "--host", "::1", "--port", "0", "--webhook-path", "/in", "--max-age", "60", "--max-body", "64KiB",
            "--handler-timeout", "2s", "--dedupe-capacity", "50", "--health-path", "/live",
            "--identity-path", "/me", "--trust-proxy", "--metrics-path", "/metrics",
            "--max-connections", "10", "--idle-timeout", "1s", "--header-timeout", "3s", "--body-timeout", "4s",
            "--shutdown-grace", "500ms", "--log-level", "debug", "--log-format", "json",
        ])
        #expect(config["host"] == "::1")
        #expect(config["port"] == 0)
        #expect(config["paths"]?["webhook"] == "/in")
        #expect(config["paths"]?["health"] == "/live")
        #expect(config["paths"]?["identity"] == "/me")
        #expect(config["paths"]?["metrics"] == "/metrics")
        #expect(config["max_age_seconds"] == 60)
        #expect(config["max_body_bytes"] == 65536)
        #expect(config["handler_timeout"] == "2s")
        #expect(config["dedupe_capacity"] == 50)
        #expect(config["trust_proxy"] == true)
        #expect(config["server"]?["max_connections"] == 10)
        #expect(config["server"]?["idle_timeout"] == "1s")
        #expect(config["server"]?["header_timeout"] == "3s")
        #expect(config["server"]?["body_timeout"] == "4s")
        #expect(config["server"]?["shutdown_grace"] == "500ms")
        #expect(config["log_level"] == "debug")
        #expect(config["log_format"] == "json")
    }

    @Test func everyEnvironmentTwinIsApplied() async throws {
        let config = try await effective(env: [
            "HOST": "127.0.0.1", "PORT": "9001", "VENDO_WEBHOOKS_PATH": "/hooks", "VENDO_WEBHOOKS_MAX_AGE": "120",
            "VENDO_WEBHOOKS_MAX_BODY": "2MiB", "VENDO_WEBHOOKS_HANDLER_TIMEOUT": "20s",
            "VENDO_WEBHOOKS_DEDUPE_CAPACITY": "7", "VENDO_WEBHOOKS_HEALTH_PATH": "/up",
            "VENDO_WEBHOOKS_IDENTITY_PATH": "off", "VENDO_WEBHOOKS_TRUST_PROXY": "true",
            "VENDO_WEBHOOKS_METRICS_PATH": "/m", "VENDO_WEBHOOKS_MAX_CONNECTIONS": "3",
            "VENDO_WEBHOOKS_IDLE_TIMEOUT": "2s", "VENDO_WEBHOOKS_HEADER_TIMEOUT": "6s",
            "VENDO_WEBHOOKS_BODY_TIMEOUT": "7s", "VENDO_WEBHOOKS_SHUTDOWN_GRACE": "1m",
            "LOG_LEVEL": "warning", "LOG_FORMAT": "json",
            "VENDO_WEBHOOKS_EXEC": "./all.sh", "VENDO_WEBHOOKS_FORWARD": "http://127.0.0.1:1/a, http://127.0.0.1:2/b",
            "VENDO_WEBHOOKS_ON": "connection.*=exec:./conn.sh\nbilling.cap_tripped=forward:http://127.0.0.1:3/c",
        ])
        #expect(config["host"] == "127.0.0.1")
        #expect(config["port"] == 9001)
        #expect(config["paths"]?["webhook"] == "/hooks")
        #expect(config["paths"]?["health"] == "/up")
        #expect(config["paths"]?["identity"] == .null, "off disables the identity endpoint")
        #expect(config["paths"]?["metrics"] == "/m")
        #expect(config["max_age_seconds"] == 120)
        #expect(config["max_body_bytes"] == 2_097_152)
        #expect(config["handler_timeout"] == "20s")
        #expect(config["dedupe_capacity"] == 7)
        #expect(config["trust_proxy"] == true)
        #expect(config["server"]?["max_connections"] == 3)
        #expect(config["server"]?["idle_timeout"] == "2s")
        #expect(config["server"]?["header_timeout"] == "6s")
        #expect(config["server"]?["body_timeout"] == "7s")
        #expect(config["server"]?["shutdown_grace"] == "60s")
        #expect(config["log_level"] == "warning")
        #expect(config["log_format"] == "json")
        let handlers = try #require(config["handlers"]?.arrayValue)
        #expect(handlers.count == 5)
        #expect(handlers[0] == ["on": "*", "exec": "./all.sh", "timeout": "20s", "origin": "VENDO_WEBHOOKS_EXEC"])
        #expect(handlers[1]["forward"] == "http://127.0.0.1:1/a")
        #expect(handlers[2]["forward"] == "http://127.0.0.1:2/b")
        #expect(handlers[3]["on"] == ["connection.*"])
        #expect(handlers[3]["exec"] == "./conn.sh")
        #expect(handlers[4]["on"] == ["billing.cap_tripped"])
        #expect(handlers[4]["forward"] == "http://127.0.0.1:3/c")
    }

    @Test func flagsWinOverTheirEnvironmentTwins() async throws {
        let config = try await effective(
            ["--port", "7000", "--host", "127.0.0.2", "--log-level", "error", "--exec", "./flag.sh"],
            env: ["PORT": "9001", "HOST": "0.0.0.0", "LOG_LEVEL": "debug", "VENDO_WEBHOOKS_EXEC": "./env.sh"]
        )
        #expect(config["port"] == 7000)
        #expect(config["host"] == "127.0.0.2")
        #expect(config["log_level"] == "error")
        #expect(config["handlers"]?[0]?["exec"] == "./flag.sh")
        #expect(config["handlers"]?.arrayValue?.count == 1)
    }

    @Test func vendoAuthTurnsOnProxyTrust() async throws {
        #expect(try await effective(env: ["VENDO_AUTH": "1"])["trust_proxy"] == true)
        #expect(try await effective(env: ["VENDO_AUTH": "0"])["trust_proxy"] == false)
    }

    @Test func onRoutesParse() async throws {
        let config = try await effective([
            "--on", "connection.connected=exec:./one.sh --flag 'quoted arg'",
            "--on", "connection.*, billing.* =forward:http://example.test/hooks?x=1",
            "--on", "*=exec:echo any",
        ])
        let handlers = try #require(config["handlers"]?.arrayValue)
        #expect(handlers.count == 3)
        #expect(handlers[0]["on"] == ["connection.connected"])
        #expect(handlers[0]["exec"] == "./one.sh --flag 'quoted arg'", "the command keeps everything after exec:")
        #expect(handlers[0]["origin"] == "--on #1")
        #expect(handlers[1]["on"] == ["connection.*", "billing.*"])
        #expect(handlers[1]["forward"] == "http://example.test/hooks?x=1")
        #expect(handlers[2]["on"] == ["*"])
    }

    @Test(arguments: [
        ("connection.connected", "missing '='"),
        ("connection.*=run:./x.sh", "unknown action 'run'"),
        ("connection.*=./x.sh", "must start with exec: or forward:"),
        ("=exec:./x.sh", "empty event type"),
        ("a,,b=exec:./x.sh", "empty event type"),
        ("conn ection=exec:./x.sh", "pattern 'conn ection'"),
        ("connection.*=exec:   ", "empty command"),
        ("connection.*=forward:ftp://host/x", "unsupported scheme 'ftp'; expected http://"),
        ("connection.*=forward:/relative", "is not an absolute URL; expected e.g. http://"),
        ("connection.*=forward:https://app.example/hooks", "https:// is not supported"),
        ("connection.*=forward:http://:3000/x", "has no host"),
    ])
    func badOnRoutesAreExplained(route: String, expected: String) async throws {
        let (status, stderr) = try await failure(["--on", route])
        #expect(status == 64)
        #expect(stderr.contains("--on '\(route)'"), "names the offending route: \(stderr)")
        #expect(stderr.contains(expected), "\(stderr)")
    }

    @Test func badWildcardPlacementIsRejectedAtStartUp() async throws {
        // The receiver defines wildcards: "*" alone or a trailing ".*"; anything else fails before listening.
        let (status, stderr) = try await failure(["--on", "conn*.x=exec:./x.sh"])
        #expect(status == 64)
        #expect(stderr.contains("conn*.x"), "\(stderr)")
    }

    @Test func configFileAddsHandlers() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("handlers.json")
        try Data("""
            {
              "handler_timeout": "3s",
              "handlers": [
                {"exec": "./every.sh"},
                {"on": "connection.*", "forward": "http://127.0.0.1:3000/hooks", "timeout": "1s"},
                {"on": ["billing.cap_warned", "billing.cap_tripped"], "exec": ["/usr/bin/env", "notify", "--now"]},
                {"on": "x.y", "exec": "./x.sh", "timeout": 2.5}
              ]
            }
            """.utf8).write(to: file)
        let config = try await effective(["--config", file.path, "--exec", "./flag.sh"])
        #expect(config["handler_timeout"] == "3s")
        let handlers = try #require(config["handlers"]?.arrayValue)
        #expect(handlers.count == 5)
        #expect(handlers[0]["exec"] == "./flag.sh", "flags come first")
        #expect(handlers[0]["timeout"] == "3s", "the file's handler_timeout is the default")
        #expect(handlers[1] == ["on": "*", "exec": "./every.sh", "timeout": "3s", "origin": .string("\(file.path): handlers[0]")])
        #expect(handlers[2]["on"] == ["connection.*"])
        #expect(handlers[2]["timeout"] == "1s")
        #expect(handlers[3]["exec"] == ["/usr/bin/env", "notify", "--now"])
        #expect(handlers[3]["shell"] == false)
        #expect(handlers[3]["on"] == ["billing.cap_warned", "billing.cap_tripped"])
        #expect(handlers[4]["timeout"] == "2500ms")
        // The longest handler timeout decides the default shutdown grace.
        #expect(config["server"]?["shutdown_grace"] == "8s")
        // The flag beats the file's handler_timeout; env twin of --config works too.
        let viaEnv = try await effective(["--handler-timeout", "4s"], env: ["VENDO_WEBHOOKS_CONFIG": file.path])
        #expect(viaEnv["handler_timeout"] == "4s")
        #expect(viaEnv["handlers"]?.arrayValue?.count == 4)
    }

    @Test(arguments: [
        (#"{"handlers": [{"on": "a.*", "exec": "./x.sh"}"#, "is not valid JSON"),
        (#"["handlers"]"#, "the top level must be a JSON object"),
        (#"{"handler": []}"#, "unknown key 'handler'"),
        (#"{"handler_timeout": "5s"}"#, #"missing "handlers""#),
        (#"{"handlers": {"on": "a"}}"#, #""handlers" must be an array"#),
        (#"{"handlers": ["./x.sh"]}"#, "handlers[0] must be an object"),
        (#"{"handlers": [{"on": "a.*", "exce": "./x.sh"}]}"#, "handlers[0]: unknown key 'exce'"),
        (#"{"handlers": [{"on": "a.*"}]}"#, #"handlers[0]: give "exec" (a command) or "forward" (a URL)"#),
        (#"{"handlers": [{"exec": "./a", "forward": "http://h/"}]}"#, "not both"),
        (#"{"handlers": [{"exec": 5}]}"#, "handlers[0].exec must be a shell command string"),
        (#"{"handlers": [{"exec": []}]}"#, "handlers[0].exec must be a shell command string"),
        (#"{"handlers": [{"on": 5, "exec": "./a"}]}"#, "handlers[0].on must be a string"),
        (#"{"handlers": [{"on": "bad type", "exec": "./a"}]}"#, "handlers[0].on: event type pattern 'bad type'"),
        (#"{"handlers": [{"forward": "localhost:80"}]}"#, "handlers[0].forward: 'localhost:80' is not an absolute"),
        (#"{"handlers": [{"exec": "./a", "timeout": "soon"}]}"#, "handlers[0].timeout must be a positive duration"),
        (#"{"handlers": [], "handler_timeout": 0}"#, "handler_timeout must be a positive duration"),
    ])
    func badConfigFilesAreExplained(contents: String, expected: String) async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.json")
        try Data(contents.utf8).write(to: file)
        let (status, stderr) = try await failure(["--config", file.path])
        #expect(status == 64)
        #expect(stderr.contains(file.path), "names the file: \(stderr)")
        #expect(stderr.contains(expected), "\(stderr)")
    }

    @Test func missingConfigFileIsExplained() async throws {
        let (status, stderr) = try await failure(["--config", "/nonexistent/handlers.json"])
        #expect(status == 64)
        #expect(stderr.contains("cannot read config file /nonexistent/handlers.json: No such file or directory"), "\(stderr)")
    }

    @Test(arguments: [
        (["--port", "65536"], "--port '65536' is not a port number"),
        (["--port", "http"], "--port 'http' is not a port number"),
        (["--max-age", "0"], "--max-age '0' is not a positive number of seconds"),
        (["--max-body", "lots"], "--max-body 'lots' is not a size"),
        (["--handler-timeout=-1s"], "--handler-timeout '-1s' is not a positive duration"),
        (["--idle-timeout", "0"], "--idle-timeout '0' is not a positive duration"),
        (["--dedupe-capacity", "0"], "--dedupe-capacity '0' is not a positive whole number"),
        (["--log-level", "loud"], "--log-level 'loud' is not a level"),
        (["--log-format", "xml"], "--log-format 'xml' is not a log format"),
        (["--webhook-path", "hooks"], "--webhook-path 'hooks' is not a path"),
        (["--health-path", "/webhooks/vendo"], "--webhook-path and --health-path are both /webhooks/vendo"),
        (["--host", "my host"], "--host 'my host' is not an address"),
        (["--forward", "not a url"], "--forward: 'not a url' is not an absolute"),
        (["--forward", "https://app.internal/hooks"], "https:// is not supported (vendo-webhooks has no TLS client); forward over http://"),
    ])
    func badFlagValuesAreExplained(arguments: [String], expected: String) async throws {
        let (status, stderr) = try await failure(arguments)
        #expect(status == 64)
        #expect(stderr.contains(expected), "\(stderr)")
    }

    @Test func badEnvironmentValuesNameTheVariable() async throws {
        var (status, stderr) = try await failure([], env: ["PORT": "eighty"])
        #expect(status == 64)
        #expect(stderr.contains("PORT 'eighty' is not a port number"), "\(stderr)")
        (status, stderr) = try await failure([], env: ["VENDO_WEBHOOKS_TRUST_PROXY": "maybe"])
        #expect(status == 64)
        #expect(stderr.contains("VENDO_WEBHOOKS_TRUST_PROXY=maybe is not a boolean"), "\(stderr)")
        (status, stderr) = try await failure([], env: ["VENDO_WEBHOOKS_MAX_BODY": "1 ton"])
        #expect(stderr.contains("VENDO_WEBHOOKS_MAX_BODY '1 ton'"), "\(stderr)")
    }

    @Test func telegramPathNeedsItsSecret() async throws {
        let (status, stderr) = try await failure(["--telegram-path", "/telegram"])
        #expect(status == 64)
        #expect(stderr.contains("TELEGRAM_SIGNING_SECRET"), "\(stderr)")
        let config = try await effective(["--telegram-path", "/telegram"], env: ["TELEGRAM_SIGNING_SECRET": "tg"])
        #expect(config["paths"]?["telegram"] == "/telegram")
    }

    @Test func secretsComeFromTheEnvironmentAndFilesAndAreNeverPrinted() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secret")
        try Data("  whsec_file_one \n\nwhsec_file_two,whsec_env_one\n".utf8).write(to: file)

        let result = try await runCLI(["serve", "--check-config", "--secret-file", file.path],
                                      environment: ["VENDO_WEBHOOK_SECRET": "whsec_env_one, whsec_env_two"])
        #expect(result.status == 0, "\(result.stderr)")
        let config = try JSONDecoder().decode(JSONValue.self, from: Data(result.stdout.utf8))
        #expect(config["secrets"]?["mode"] == "configured")
        #expect(config["secrets"]?["count"] == 4, "env and file combined, repeats dropped")
        #expect(config["secrets"]?["sources"] == ["VENDO_WEBHOOK_SECRET", "--secret-file"])
        #expect(!result.stdout.contains("whsec_") && !result.stderr.contains("whsec_"), "secrets are never printed")

        let viaEnv = try await effective(env: ["VENDO_WEBHOOK_SECRET_FILE": file.path])
        #expect(viaEnv["secrets"]?["count"] == 3)
        #expect(viaEnv["secrets"]?["sources"] == ["VENDO_WEBHOOK_SECRET_FILE"])
    }

    @Test func unusableSecretFilesAreExplained() async throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty")
        try Data(" \n , \n".utf8).write(to: empty)
        var (status, stderr) = try await failure(["--secret-file", empty.path])
        #expect(status == 64)
        #expect(stderr.contains("holds no secret"), "\(stderr)")
        (status, stderr) = try await failure(["--secret-file", directory.appendingPathComponent("missing").path])
        #expect(status == 64)
        #expect(stderr.contains("cannot read the secret file"), "\(stderr)")
        #expect(stderr.contains("No such file or directory"), "\(stderr)")
    }

    @Test func onVendoWithoutASecretItRefusesToStart() async throws {
        let (status, stderr) = try await failure([], env: ["VENDO_DEPLOYMENT_ID": "dep_123"])
        #expect(status == 78)
        #expect(stderr.contains("VENDO_DEPLOYMENT_ID is set"), "\(stderr)")
        #expect(stderr.contains("VENDO_WEBHOOK_SECRET"), "\(stderr)")
        // A blank secret is no secret.
        let (blankStatus, _) = try await failure([], env: ["VENDO_DEPLOYMENT_ID": "dep_123", "VENDO_WEBHOOK_SECRET": " , "])
        #expect(blankStatus == 78)
        let config = try await effective(env: ["VENDO_DEPLOYMENT_ID": "dep_123", "VENDO_WEBHOOK_SECRET": "whsec_x"])
        #expect(config["secrets"]?["mode"] == "configured")
    }

    @Test func helpDocumentsEveryEnvironmentTwin() async throws {
        let result = try await runCLI(["serve", "--help"])
        #expect(result.status == 0)
        // Help text wraps anywhere: compare with all whitespace runs folded to one space.
        let help = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for variable in [
            "HOST", "PORT", "VENDO_WEBHOOKS_PATH", "VENDO_WEBHOOKS_MAX_AGE", "VENDO_WEBHOOKS_MAX_BODY",
            "VENDO_WEBHOOK_SECRET_FILE", "VENDO_WEBHOOKS_EXEC", "VENDO_WEBHOOKS_FORWARD", "VENDO_WEBHOOKS_ON",
            "VENDO_WEBHOOKS_CONFIG", "VENDO_WEBHOOKS_HANDLER_TIMEOUT", "VENDO_WEBHOOKS_DEDUPE_CAPACITY",
            "VENDO_WEBHOOKS_HEALTH_PATH", "VENDO_WEBHOOKS_IDENTITY_PATH", "VENDO_WEBHOOKS_TRUST_PROXY",
            "VENDO_WEBHOOKS_METRICS_PATH", "VENDO_WEBHOOKS_TELEGRAM_PATH", "VENDO_WEBHOOKS_MAX_CONNECTIONS",
            "VENDO_WEBHOOKS_IDLE_TIMEOUT", "VENDO_WEBHOOKS_HEADER_TIMEOUT", "VENDO_WEBHOOKS_BODY_TIMEOUT",
            "VENDO_WEBHOOKS_SHUTDOWN_GRACE", "LOG_LEVEL", "LOG_FORMAT",
        ] {
            let documented = help.contains("env: \(variable)")
            #expect(documented, "--help names \(variable)")
        }
        let mentionsSecret = help.contains("VENDO_WEBHOOK_SECRET"), mentionsExit78 = help.contains("exit 78")
        #expect(mentionsSecret)
        #expect(mentionsExit78)
    }
}
