import Foundation
import Testing
import Vendo
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Start-up, routes other than the webhook, shutdown and the development mode
/// of the real `vendo-webhooks serve`.
@Suite("End to end: serve lifecycle")
struct EndToEndLifecycleTests {
    let secret = "whsec_lifecycle"

    @Test func listensOnAnEphemeralPortAndAnswersHealth() async throws {
        let server = try await RunningServer([], environment: ["VENDO_WEBHOOK_SECRET": secret])
        #expect(server.listeningLine == "listening on http://127.0.0.1:\(server.port)")
        #expect(server.child.stdout.text == server.listeningLine + "\n", "stdout holds only that line; logs go to stderr")
        let health = try await TestHTTP.request("GET", port: server.port, path: "/healthz")
        #expect(health.status == 200)
        let unknown = try await TestHTTP.request("GET", port: server.port, path: "/nope")
        #expect(unknown.status == 404)

        let healthy = try await runCLI(["healthcheck", "--url", "http://127.0.0.1:\(server.port)/healthz"])
        #expect(healthy.status == 0, "\(healthy.stderr)")
        let viaPort = try await runCLI(["healthcheck", "--quiet"], environment: ["PORT": String(server.port)])
        #expect(viaPort.status == 0, "PORT configures the default URL: \(viaPort.stderr)")
        #expect(viaPort.stdout.isEmpty)
        let notFound = try await runCLI(["healthcheck", "--url", "http://127.0.0.1:\(server.port)/nope"])
        #expect(notFound.status == 1)
        #expect(notFound.stderr.contains("404"), "\(notFound.stderr)")

        #expect(try await server.stop() == 0)
        let down = try await runCLI(["healthcheck", "--url", "http://127.0.0.1:\(server.port)/healthz", "--timeout", "2s"])
        #expect(down.status == 1)
        #expect(down.stderr.contains("unhealthy"), "\(down.stderr)")
    }

    @Test func anIPv6HostIsPrintedInBrackets() async throws {
        let child = try ChildProcess(try CLIBinary.require(), ["serve", "--host", "::1", "--port", "0"],
                                     environment: ["VENDO_WEBHOOK_SECRET": secret])
        defer { child.terminateIfRunning() }
        let line = try await child.firstStdoutLine()
        if line.isEmpty || child.stderr.text.contains("Address family not supported") || child.stderr.text.contains("Cannot assign") {
            return  // no IPv6 loopback on this machine
        }
        let match = line.wholeMatch(of: /listening on http:\/\/\[::1\]:(\d+)/)
        #expect(match != nil, "\(line)")
        child.signal(SIGTERM)
        #expect(try await child.waitForExit() == 0)
    }

    @Test func sigtermFinishesTheDeliveryInFlightThenExitsZero() async throws {
        let recorder = try ExecRecorder(prelude: """
            touch $DIR/started
            while [ ! -f $DIR/release ]; do sleep 0.05; done
            """)
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_inflight", type: "connection.connected")
        let headers = try TestSigner(secret: secret).headers(for: body)
        let delivery = Task { try await server.post(body, headers: headers) }

        try await eventually("the handler to start") { FileManager.default.fileExists(atPath: recorder.file("started").path) }
        server.child.signal(SIGTERM)
        try await eventually("the server to log the signal") { server.child.stderr.text.contains("SIGTERM") }
        #expect(server.child.status == nil, "still running while a delivery is in flight")

        _ = FileManager.default.createFile(atPath: recorder.file("release").path, contents: nil)
        let response = try await delivery.value
        #expect(response.status == 200)
        #expect(response.json == ["ok": true, "id": "evt_inflight"])
        #expect(try await server.child.waitForExit() == 0)
        #expect(recorder.runs == ["evt_inflight connection.connected none none"])
    }

    @Test func aSecondSignalExitsAtOnceAndTakesRunningCommandsAlong() async throws {
        // The command's shell becomes `sleep`, whose pid it wrote down first.
        let recorder = try ExecRecorder(prelude: """
            echo $$ > $DIR/pid.tmp && mv $DIR/pid.tmp $DIR/pid
            exec sleep 60
            """)
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path, "--shutdown-grace", "60s"],
                                             environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_forced", type: "connection.connected")
        let headers = try TestSigner(secret: secret).headers(for: body)
        let delivery = Task { try? await server.post(body, headers: headers) }
        defer { delivery.cancel() }

        try await eventually("the handler command to start") {
            FileManager.default.fileExists(atPath: recorder.file("pid").path)
        }
        let text = try String(contentsOf: recorder.file("pid"), encoding: .utf8)
        let commandPID = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.isAlive(commandPID))

        server.child.signal(SIGTERM)
        try await eventually("the server to log the first signal") { server.child.stderr.text.contains("draining") }
        #expect(server.child.status == nil, "still draining: the command runs for a minute")
        server.child.signal(SIGTERM)
        #expect(try await server.child.waitForExit() == 128 + SIGTERM)
        #expect(server.child.stderr.text.contains("killed 1 running handler command"), "\(server.child.stderr.text)")
        try await eventually("the command to be gone") { !Self.isAlive(commandPID) }
    }

    /// Whether `pid` is a live process (a zombie waiting to be reaped counts as gone).
    private static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }

    @Test func sigintAlsoStopsWithStatusZero() async throws {
        let server = try await RunningServer([], environment: ["VENDO_WEBHOOK_SECRET": secret])
        server.child.signal(SIGINT)
        #expect(try await server.child.waitForExit() == 0)
    }

    @Test func developmentModePrintsAWorkingSendCommand() async throws {
        let recorder = try ExecRecorder()
        defer { recorder.remove() }
        let server = try await RunningServer(["--exec", recorder.script.path])
        try await eventually("the development-mode banner") { server.child.stderr.text.contains("vendo-webhooks send ") }
        let stderr = server.child.stderr.text
        #expect(stderr.contains("DEVELOPMENT MODE"))
        let command = try #require(stderr.split(separator: "\n").first { $0.contains("vendo-webhooks send ") })
            .trimmingCharacters(in: .whitespaces)
        #expect(command.contains("--url http://127.0.0.1:\(server.port)/webhooks/vendo"), "\(command)")
        let secret = try #require(command.firstMatch(of: /--secret (whsec_dev_[0-9a-f]{32})/)?.1)

        // Run the printed line as a user would paste it, with the binary on PATH.
        let binDirectory = try CLIBinary.require().deletingLastPathComponent().path
        let shell = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", command],
                                     environment: ["PATH": binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])
        #expect(try await shell.waitForExit() == 0, "\(shell.stderr.text)")
        #expect(shell.stdout.text.hasPrefix("HTTP 200"), "\(shell.stdout.text)")
        #expect(recorder.runs.count == 1)
        #expect(recorder.runs.first?.contains(" test.ping ") == true)

        // The printed secret is the one in force: a delivery signed with another is refused.
        let body = TestSigner.envelope(id: "evt_dev", type: "x.y")
        let wrong = try await server.post(body, headers: try TestSigner(secret: "whsec_other").headers(for: body))
        #expect(wrong.status == 400)
        let right = try await server.post(body, headers: try TestSigner(secret: String(secret)).headers(for: body))
        #expect(right.status == 200)
        #expect(try await server.stop() == 0)
    }

    @Test func onVendoWithoutASecretServeRefusesToStart() async throws {
        let result = try await runCLI(["serve", "--port", "0"], environment: ["VENDO_DEPLOYMENT_ID": "dep_e2e"])
        #expect(result.status == 78)
        #expect(result.stdout.isEmpty, "never listened")
        #expect(result.stderr.contains("Refusing to accept unsigned deliveries"), "\(result.stderr)")
    }

    @Test func aBusyPortIsReportedWithExitOne() async throws {
        let first = try await RunningServer([], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let second = try await runCLI(["serve", "--host", "127.0.0.1", "--port", String(first.port)],
                                      environment: ["VENDO_WEBHOOK_SECRET": secret])
        #expect(second.status == 1)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(first.port)"), "\(second.stderr)")
        #expect(try await first.stop() == 0)
    }

    @Test func spoofedIdentityHeadersAreIgnoredWithoutTheProxy() async throws {
        let spoofed = [("X-Vendo-User-Id", "usr_1"), ("X-Vendo-User-Email", "a@example.test"), ("X-Vendo-User-Name", "Ada"),
                       ("X-Vendo-Tenant-Id", "ten_1"), ("X-Vendo-Role", "owner")]
        let open = try await RunningServer([], environment: ["VENDO_WEBHOOK_SECRET": secret])
        let ignored = try await TestHTTP.request("GET", port: open.port, path: "/api/vendo/identity", headers: spoofed)
        #expect(ignored.status == 200)
        #expect(ignored.json == [:], "\(ignored.text)")
        #expect(try await open.stop() == 0)

        for (arguments, environment) in [([String](), ["VENDO_AUTH": "1"]), (["--trust-proxy"], [:])] {
            let proxied = try await RunningServer(arguments, environment: environment.merging(["VENDO_WEBHOOK_SECRET": secret]) { $1 })
            let honoured = try await TestHTTP.request("GET", port: proxied.port, path: "/api/vendo/identity", headers: spoofed)
            #expect(honoured.status == 200)
            #expect(honoured.json?["user_id"] == "usr_1", "\(arguments) \(environment): \(honoured.text)")
            #expect(honoured.json?["email"] == "a@example.test")
            #expect(honoured.json?["role"] == "owner")
            #expect(try await proxied.stop() == 0)
        }
    }

    @Test func metricsAndJSONLogsWhenAskedFor() async throws {
        let server = try await RunningServer(["--metrics-path", "/metrics", "--log-format", "json", "--log-level", "debug"],
                                             environment: ["VENDO_WEBHOOK_SECRET": secret])
        let body = TestSigner.envelope(id: "evt_metrics", type: "x.y")
        #expect(try await server.post(body, headers: try TestSigner(secret: secret).headers(for: body)).status == 200)
        #expect(try await server.post(body, headers: [("Vendo-Signature", "00")]).status == 400)
        let metrics = try await TestHTTP.request("GET", port: server.port, path: "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("outcome=\"ok\""), "\(metrics.text)")
        #expect(metrics.text.contains("outcome=\"invalid\""), "\(metrics.text)")
        #expect(try await server.stop() == 0)

        let lines = server.child.stderr.text.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
            #expect(object?["level"]?.stringValue != nil && object?["msg"]?.stringValue != nil, "not a JSON log line: \(line)")
        }
        #expect(lines.contains { $0.contains("\"msg\":\"vendo-webhooks ready\"") })
    }

    @Test func withoutMetricsPathThereIsNoMetricsRoute() async throws {
        let server = try await RunningServer([], environment: ["VENDO_WEBHOOK_SECRET": secret])
        #expect(try await TestHTTP.request("GET", port: server.port, path: "/metrics").status == 404)
        #expect(try await server.stop() == 0)
    }
}
