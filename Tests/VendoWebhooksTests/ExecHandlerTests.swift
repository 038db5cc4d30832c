import Foundation
import Testing

@testable import VendoWebhooks

@Suite struct ExecHandlerTests {
    private func delivery(body: String = #"{"id":"evt_9","type":"connection.connected","data":{"slug":"gmail"}}"#) -> WebhookDelivery {
        WebhookDelivery(
            id: "evt_9", type: "connection.connected", rawBody: Array(body.utf8), provider: "telegram",
            connectionID: "conn_1", dedupeKey: "key-9")
    }

    private func tempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func stdinGetsTheRawBodyAndEnvHasTheEventFields() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let handler = try ExecHandler(
            .shell(#"cat > "$OUT/body"; env | grep -E '^(VENDO_|EXTRA_VAR)' | sort > "$OUT/env""#),
            configuration: .init(environment: ["OUT": dir.path, "EXTRA_VAR": "x y"]))
        let body = #"{"id":"evt_9","type":"connection.connected","data":{"slug":"gmail","u":"é"}}"#
        try await handler.handle(delivery(body: body))
        #expect(try Data(contentsOf: dir.appendingPathComponent("body")) == Data(body.utf8))
        let env = try String(contentsOf: dir.appendingPathComponent("env"), encoding: .utf8)
        #expect(env.contains("VENDO_EVENT_ID=evt_9\n"))
        #expect(env.contains("VENDO_EVENT_TYPE=connection.connected\n"))
        #expect(env.contains("VENDO_EVENT_PROVIDER=telegram\n"))
        #expect(env.contains("VENDO_CONNECTION_ID=conn_1\n"))
        #expect(env.contains("VENDO_DEDUPE_KEY=key-9\n"))
        #expect(env.contains("EXTRA_VAR=x y\n"))
    }

    @Test func inheritsTheServersEnvironment() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let handler = try ExecHandler(.shell(#"echo "$PATH" > "$OUT/path""#), configuration: .init(environment: ["OUT": dir.path]))
        try await handler.handle(delivery())
        let path = try String(contentsOf: dir.appendingPathComponent("path"), encoding: .utf8)
        #expect(path.trimmingCharacters(in: .newlines) == ProcessInfo.processInfo.environment["PATH"])
    }

    @Test func argvRunsWithoutAShellAndLooksUpPath() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("copy").path
        // `tee` writes stdin to the file; `$X` stays literal because no shell runs.
        let handler = try ExecHandler(.argv(["tee", target]))
        try await handler.handle(delivery(body: #"{"v":"$X"}"#))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == #"{"v":"$X"}"#)
    }

    @Test func nonZeroExitIsAFailureWithTheStatus() async throws {
        let handler = try ExecHandler(.shell("echo broken >&2; exit 3"))
        await #expect(throws: ExecHandlerError.exited(code: 3, stderr: "broken\n")) {
            try await handler.handle(delivery())
        }
    }

    @Test func deathBySignalIsAFailure() async throws {
        let handler = try ExecHandler(.shell("kill -9 $$"))
        await #expect(throws: ExecHandlerError.signaled(signal: 9)) { try await handler.handle(delivery()) }
    }

    @Test func aChildThatIgnoresStdinStillSucceeds() async throws {
        // 1 MiB on stdin, never read: the writer must give up quietly, not raise SIGPIPE.
        let big = "{\"pad\":\"" + String(repeating: "x", count: 1 << 20) + "\"}"
        let handler = try ExecHandler(.shell("exit 0"))
        try await handler.handle(delivery(body: big))
    }

    @Test func bigOutputDoesNotDeadlock() async throws {
        // 8 MiB on stdout and stderr each, more than any pipe buffer.
        let handler = try ExecHandler(
            .shell("head -c 8388608 /dev/zero; head -c 8388608 /dev/zero >&2; cat >/dev/null"),
            configuration: .init(timeout: .seconds(60)))
        try await handler.handle(delivery(body: "{\"pad\":\"" + String(repeating: "y", count: 1 << 20) + "\"}"))
    }

    @Test func childStartsWithDefaultSignalsEvenThoughTheServerIgnoresSIGPIPE() async throws {
        // What every server process does (the HTTP server sets it too); idempotent.
        _ = signal(SIGPIPE, SIG_IGN)
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let handler = try ExecHandler(
            .shell(#"grep -E '^Sig(Ign|Blk):' /proc/self/status > "$OUT/status""#),
            configuration: .init(environment: ["OUT": dir.path]))
        try await handler.handle(delivery())
        let status = try String(contentsOf: dir.appendingPathComponent("status"), encoding: .utf8)
        func mask(_ name: String) throws -> UInt64 {
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(name + ":") })
            return try #require(UInt64(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16))
        }
        // Bit n-1 stands for signal n.
        #expect(try mask("SigIgn") & (1 << (UInt64(SIGPIPE) - 1)) == 0, "SIGPIPE is still ignored in the child")
        #expect(try mask("SigBlk") == 0, "the child starts with blocked signals")
    }

    @Test func pipelinesEndBySIGPIPE() async throws {
        _ = signal(SIGPIPE, SIG_IGN)
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The writer of a closed pipe must die of SIGPIPE (status 128 + 13), not see EPIPE
        // (GNU yes would then exit 1; a shell loop would spin until the timeout).
        let handler = try ExecHandler(
            .shell(#"yes | head -c 1 >/dev/null && { yes; echo $? > "$OUT/yes"; } | head -n 1 >/dev/null"#),
            configuration: .init(timeout: .seconds(60), environment: ["OUT": dir.path]))
        try await handler.handle(delivery())
        let status = try String(contentsOf: dir.appendingPathComponent("yes"), encoding: .utf8)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "\(128 + SIGPIPE)")
    }

    @Test func onlyTheStandardDescriptorsReachTheChild() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A descriptor opened without O_CLOEXEC, as careless code elsewhere in the process might.
        let stray = open("/dev/null", O_RDONLY)
        #expect(stray > 2)
        defer { close(stray) }
        let handler = try ExecHandler(
            .shell(#"ls /proc/$$/fd > "$OUT/fds""#), configuration: .init(environment: ["OUT": dir.path]))
        try await handler.handle(delivery())
        let fds = try String(contentsOf: dir.appendingPathComponent("fds"), encoding: .utf8)
            .split(separator: "\n").compactMap { Int($0) }
        // The shell's own redirection may add one (the file it writes); nothing of ours may appear.
        #expect(!fds.contains(Int(stray)), "fd \(stray) leaked into the child: \(fds)")
        #expect(fds.filter { $0 > 2 }.count <= 2, "unexpected descriptors in the child: \(fds)")
    }

    @Test func timeoutKillsTheWholeGroupQuicklyAndLeavesNoZombie() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The shell starts `sleep 60` in the background and waits: both must die.
        let handler = try ExecHandler(
            .shell(#"sleep 60 & echo $! > "$OUT/child"; echo $$ > "$OUT/shell"; wait"#),
            // Long enough for a loaded machine to start the shell and write the pids.
            configuration: .init(timeout: .seconds(3), killGracePeriod: .milliseconds(500), environment: ["OUT": dir.path]))
        let started = ContinuousClock.now
        await #expect(throws: ExecHandlerError.timedOut(after: .seconds(3))) {
            try await handler.handle(delivery())
        }
        // Only "ended by the timeout, not by the sleep": any load short of a stall passes.
        #expect(ContinuousClock.now - started < .seconds(45))
        let shell = try #require(Int32(String(contentsOf: dir.appendingPathComponent("shell"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let child = try #require(Int32(String(contentsOf: dir.appendingPathComponent("child"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await waitUntil { !processExists(shell) }, "the shell is still there (or a zombie)")
        #expect(await waitUntil { !processIsRunning(child) }, "the background sleep survived")
    }

    @Test func sigtermIgnoredThenSigkill() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let handler = try ExecHandler(
            .shell(#"trap '' TERM; echo $$ > "$OUT/pid"; while :; do sleep 1; done"#),
            configuration: .init(timeout: .seconds(2), killGracePeriod: .milliseconds(300), environment: ["OUT": dir.path]))
        await #expect(throws: ExecHandlerError.self) { try await handler.handle(delivery()) }
        let pid = try #require(Int32(String(contentsOf: dir.appendingPathComponent("pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await waitUntil { !processExists(pid) })
    }

    @Test func cancellationKillsTheChild() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let handler = try ExecHandler(
            .shell(#"echo $$ > "$OUT/pid"; exec sleep 30"#), configuration: .init(environment: ["OUT": dir.path]))
        let task = Task { try await handler.handle(delivery()) }
        let pidFile = dir.appendingPathComponent("pid")
        #expect(await waitUntil { (try? String(contentsOf: pidFile, encoding: .utf8))?.hasSuffix("\n") == true })
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let pid = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await waitUntil { !processExists(pid) })
    }

    @Test func noDescriptorLeaksAcrossRuns() async throws {
        // Other suites open and close descriptors in this process at the same time, so
        // counting them proves little: check that each descriptor a run opened is closed
        // afterwards (by identity, since its number may already belong to someone else).
        let cases: [(String, Duration)] = [
            ("cat >/dev/null; echo out; echo err >&2", .seconds(60)),  // success, stdin read
            ("exit 1", .seconds(60)),  // failure, stdin never read
            ("exec sleep 60", .milliseconds(200)),  // killed at the deadline
        ]
        for (line, timeout) in cases {
            for _ in 0..<5 {
                let run = ChildRun(
                    executable: "/bin/sh", arguments: ["-c", line], environment: [:], workingDirectory: nil,
                    input: Array(#"{"id":"x"}"#.utf8), outputLimit: 100, killGracePeriod: .milliseconds(100))
                let result = try await run.start(timeout: timeout)
                #expect(result.descriptors.count == 6, "\(line): two pipes and a socket pair")
                // Readers and the writer close theirs on the run's queue, just after it reports.
                #expect(await waitUntil { result.descriptors.allSatisfy { !$0.isStillOpen } }, "\(line): \(result.descriptors)")
                #expect(await waitUntil { !processExists(result.pid) }, "\(line): not reaped")
            }
        }
    }

    @Test func outputIsLoggedAtDebugAndTruncated() async throws {
        let (logger, store) = MemoryLogHandler.logger()
        let handler = try ExecHandler(
            .shell("printf 'abcdefghij'; printf 'ERRORTEXT' >&2"), configuration: .init(maxLoggedOutput: 4), logger: logger)
        try await handler.handle(delivery())
        let line = try #require(store.all.first { $0.contains("exec handler finished") })
        #expect(line.hasPrefix("debug"))
        #expect(line.contains("exec.stdout=abcd "))
        #expect(!line.contains("abcde"))
        #expect(line.contains("exec.stderr=ERRO "))
    }

    @Test func throughTheReceiverSuccessFailureAndTheReceiversTimeout() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var receiver = Fixture.receiver()
        receiver.on("ok.*", handler: try ExecHandler(.shell(#"cat > "$OUT/$VENDO_EVENT_ID""#), configuration: .init(environment: ["OUT": dir.path])))
        receiver.on("fail.*", handler: try ExecHandler(.shell("exit 4")))
        // The receiver's deadline (300 ms) comes long before the command's own (30 s) and the sleep's (60 s):
        // cancellation must still kill it.
        receiver.on(
            "slow.*", timeout: .milliseconds(300),
            handler: try ExecHandler(.shell(#"echo $$ > "$OUT/slow.pid"; exec sleep 60"#), configuration: .init(environment: ["OUT": dir.path])))
        let body = Fixture.envelope(id: "evt_exec", type: "ok.go")
        #expect(try await receiver.respond(to: Fixture.post(body)).status == .ok)
        #expect(try Data(contentsOf: dir.appendingPathComponent("evt_exec")) == Data(body))
        #expect(try await receiver.respond(to: Fixture.post(Fixture.envelope(type: "fail.go"))).status == .serviceUnavailable)
        let started = ContinuousClock.now
        #expect(try await receiver.respond(to: Fixture.post(Fixture.envelope(type: "slow.go"))).status == .serviceUnavailable)
        // Answered by the receiver's deadline, not after the 60 s sleep.
        #expect(ContinuousClock.now - started < .seconds(45))
        let pidFile = dir.appendingPathComponent("slow.pid")
        // On a very loaded machine the shell may be killed before it wrote its pid: then nothing leaked.
        if await waitUntil(timeout: .seconds(5), { (try? String(contentsOf: pidFile, encoding: .utf8))?.hasSuffix("\n") == true }) {
            let pid = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(await waitUntil { !processExists(pid) }, "the command outlived the receiver's timeout")
        }
    }

    @Test func badCommandsAreRefusedAtConstruction() {
        #expect(throws: WebhookConfigurationError.self) { try ExecHandler(.shell("  ")) }
        #expect(throws: WebhookConfigurationError.self) { try ExecHandler(.argv([])) }
        #expect(throws: WebhookConfigurationError.self) { try ExecHandler(.argv(["definitely-not-a-program-xyz"])) }
        #expect(throws: WebhookConfigurationError.self) { try ExecHandler(.argv(["/nonexistent/tool"])) }
        #expect(throws: WebhookConfigurationError.self) {
            try ExecHandler(.shell("true"), configuration: .init(timeout: .zero))
        }
    }

    @Test func launchFailureIsReported() async throws {
        let dir = try tempDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let handler = try ExecHandler(.shell("true"), configuration: .init(workingDirectory: dir.appendingPathComponent("missing").path))
        await #expect(throws: ExecHandlerError.self) { try await handler.handle(delivery()) }
    }
}

/// Whether a process with this id exists at all (zombies count).
func processExists(_ pid: Int32) -> Bool {
    FileManager.default.fileExists(atPath: "/proc/\(pid)")
}

/// Whether it exists and is not a zombie.
func processIsRunning(_ pid: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    // The state follows the parenthesised command name.
    guard let close = status.lastIndex(of: ")") else { return false }
    let state = status[status.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

