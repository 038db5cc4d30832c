import Foundation
import Testing

@testable import Vendo

/// A mapping whose result the test changes, counting its runs, optionally failing.
final class ScriptedMapping: Sendable {
    private struct State {
        var values: [String: String]
        var failure: (any Error)?
        var runs = 0
    }

    private let state: Locked<State>

    init(_ values: [String: String]) { state = Locked(State(values: values)) }

    var runs: Int { state.withLock { $0.runs } }
    func set(_ values: [String: String]) { state.withLock { $0.values = values } }
    func fail(with error: (any Error)?) { state.withLock { $0.failure = error } }

    var mapping: Reconciler.Mapping {
        { [state] in
            try state.withLock { s in
                s.runs += 1
                if let failure = s.failure { throw failure }
                return s.values
            }
        }
    }
}

struct MappingBroke: Error, CustomStringConvertible {
    var description: String { "the connections service is down" }
}

/// Collects what a running reconciler reports.
final class ReconcilerRecorder: Sendable {
    private let diffs = Locked<[ReconcilerDiff]>([])
    private let errors = Locked<[ReconcilerError]>([])
    private let exits = Locked<[Int32]>([])

    var changes: [ReconcilerDiff] { diffs.withLock { $0 } }
    var failures: [ReconcilerError] { errors.withLock { $0 } }
    var exitStatuses: [Int32] { exits.withLock { $0 } }

    var onChange: Reconciler.OnChange { .call { [diffs] diff in diffs.withLock { $0.append(diff) } } }
    var onError: Reconciler.ErrorHandler { { [errors] error in errors.withLock { $0.append(error) } } }
    func recordExit(_ status: Int32) { exits.withLock { $0.append(status) } }
}

/// A transport standing in for the app's reload endpoint.
final class RecordingTransport: HTTPTransport, Sendable {
    private let state: Locked<(requests: [TransportRequest], statuses: [Int])>
    init(statuses: [Int] = []) { state = Locked((requests: [], statuses: statuses)) }
    var requests: [TransportRequest] { state.withLock { $0.requests } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let status = state.withLock { s -> Int in
            s.requests.append(request)
            return s.statuses.isEmpty ? 200 : s.statuses.removeFirst()
        }
        if status == 0 { throw URLError(.cannotConnectToHost) }
        return TransportResponse(status: status)
    }
}

private func inode(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)?.intValue ?? -1
}

@Suite("Reconciler")
struct ReconcilerTests {
    @Test func bootstrapWritesSortedFileAndStateBothPrivate() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        let diff = try await Reconciler.bootstrap(envFile: envFile) { ["B_KEY": "two words", "A_KEY": "1"] }
        #expect(diff == ReconcilerDiff(added: ["A_KEY", "B_KEY"]))
        #expect(try folder.contents(".env") == "A_KEY=1\nB_KEY=\"two words\"\n")
        #expect(try folder.permissions(".env") == 0o600)
        #expect(Reconciler.stateFile(for: envFile) == envFile + ".vendo-state.json")
        #expect(try folder.permissions(".env.vendo-state.json") == 0o600)
        let state = try JSONDecoder().decode(
            [String: String].self, from: Data(try folder.contents(".env.vendo-state.json").utf8))
        #expect(state == ["A_KEY": "1", "B_KEY": "two words"])
        #expect(try folder.entries() == [".env", ".env.vendo-state.json"])
    }

    @Test func bootstrapSkipsWhenNothingChangedAndRestoresAMissingFile() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        try await Reconciler.bootstrap(envFile: envFile) { ["A": "1"] }
        let before = try inode(envFile)
        #expect(try await Reconciler.bootstrap(envFile: envFile) { ["A": "1"] } == nil)
        #expect(try inode(envFile) == before)
        try FileManager.default.removeItem(atPath: envFile)
        #expect(try await Reconciler.bootstrap(envFile: envFile) { ["A": "1"] } == ReconcilerDiff())
        #expect(try folder.contents(".env") == "A=1\n")
    }

    @Test func bootstrapReportsTheDiffFromTheLastRun() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        try await Reconciler.bootstrap(envFile: envFile) { ["KEEP": "1", "CHANGE": "old", "DROP": "x"] }
        let diff = try await Reconciler.bootstrap(envFile: envFile) { ["KEEP": "1", "CHANGE": "new", "ADD": "y"] }
        #expect(diff == ReconcilerDiff(added: ["ADD"], removed: ["DROP"], changed: ["CHANGE"]))
        #expect(try folder.contents(".env") == "ADD=y\nCHANGE=new\nKEEP=1\n")
    }

    @Test func aCorruptStateFileMeansEverythingIsNew() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        try await Reconciler.bootstrap(envFile: envFile) { ["A": "1"] }
        try "not json".write(toFile: Reconciler.stateFile(for: envFile), atomically: true, encoding: .utf8)
        #expect(try await Reconciler.bootstrap(envFile: envFile) { ["A": "1"] } == ReconcilerDiff(added: ["A"]))
    }

    @Test func aThrowingMappingLeavesBothFilesUntouched() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        try await Reconciler.bootstrap(envFile: envFile) { ["A": "1"] }
        let before = (try folder.contents(".env"), try folder.contents(".env.vendo-state.json"), try inode(envFile))
        await #expect(throws: MappingBroke.self) {
            try await Reconciler.bootstrap(envFile: envFile) { throw MappingBroke() }
        }
        #expect((try folder.contents(".env"), try folder.contents(".env.vendo-state.json"), try inode(envFile)) == before)
    }

    @Test func invalidValuesLeaveBothFilesUntouched() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        try await Reconciler.bootstrap(envFile: envFile) { ["A": "1"] }
        do {
            try await Reconciler.bootstrap(envFile: envFile) { ["A": "2", "BAD NAME": "x"] }
            Issue.record("a bad name was written")
        } catch let error as ReconcilerError {
            #expect(error.kind == .invalidValues)
        }
        #expect(try folder.contents(".env") == "A=1\n")
        #expect(try DotEnvFile.parse(folder.contents(".env")) == ["A": "1"])
    }

    @Test func diffListsNamesSorted() {
        let diff = ReconcilerDiff(
            from: ["Z": "1", "A": "1", "M": "old", "SAME": "s"], to: ["M": "new", "SAME": "s", "C": "3", "B": "2"])
        #expect(diff.added == ["B", "C"])
        #expect(diff.removed == ["A", "Z"])
        #expect(diff.changed == ["M"])
        #expect(diff.addedOrChanged == ["B", "C", "M"])
        #expect(!diff.isEmpty)
        #expect(ReconcilerDiff(from: ["A": "1"], to: ["A": "1"]).isEmpty)
        #expect(ReconcilerDiff(from: [:], to: [:]).isEmpty)
        // A value changing to or from the empty string is a change, not an add or remove.
        #expect(ReconcilerDiff(from: ["A": ""], to: ["A": "x"]) == ReconcilerDiff(changed: ["A"]))
    }

    @Test func startRejectsUnusableConfiguration() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        let cases: [(Reconciler.OnChange, String?, TimeInterval, String)] = [
            (.reloadHook, nil, 30, "reloadURL"),
            (.reloadHook, "ftp://example/reload", 30, "not an absolute http(s) URL"),
            (.reloadHook, "/relative", 30, "not an absolute http(s) URL"),
            (.restart, nil, 0, "pollInterval"),
            (.restart, nil, .infinity, "pollInterval"),
        ]
        for (onChange, url, interval, fragment) in cases {
            do {
                _ = try await Reconciler.start(
                    envFile: envFile, mapping: { [:] }, onChange: onChange, reloadURL: url, pollInterval: interval,
                    trigger: .none)
                Issue.record("accepted \(fragment)")
            } catch let error as ReconcilerError {
                #expect(error.kind == .invalidConfiguration)
                #expect(error.message.contains(fragment), "\(error.message)")
            }
        }
        // Nothing ran.
        #expect(try folder.entries().isEmpty)
    }

    @Test func startWritesBeforeReturningAndCallsOnChangeForLaterChanges() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        let mapping = ScriptedMapping(["TOKEN": "v1", "OLD": "x"])
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: envFile, mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 3600,
            trigger: .none, debounceSeconds: 0, onError: recorder.onError)
        defer { handle.stop() }
        #expect(try folder.contents(".env") == "OLD=x\nTOKEN=v1\n")
        // The first write is the bootstrap: no onChange for it.
        #expect(recorder.changes.isEmpty)

        mapping.set(["TOKEN": "v2", "NEW": "y"])
        handle.reconcileNow()
        await waitUntil("the change") { recorder.changes.count == 1 }
        #expect(recorder.changes == [ReconcilerDiff(added: ["NEW"], removed: ["OLD"], changed: ["TOKEN"])])
        #expect(try folder.contents(".env") == "NEW=y\nTOKEN=v2\n")

        // No change: no write, no call.
        let before = try inode(envFile)
        handle.reconcileNow()
        await waitUntil("another run") { mapping.runs == 3 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(recorder.changes.count == 1)
        #expect(try inode(envFile) == before)
        #expect(recorder.failures.isEmpty)
    }

    @Test func pollingPicksUpChangesWithoutATrigger() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 0.05,
            trigger: .none, onError: recorder.onError)
        defer { handle.stop() }
        mapping.set(["A": "2"])
        await waitUntil("the polled change") { recorder.changes.count == 1 }
        #expect(recorder.changes == [ReconcilerDiff(changed: ["A"])])
        #expect(try folder.contents(".env") == "A=2\n")
    }

    @Test func aFailingMappingIsReportedLeavesTheFileAndIsRetriedNextTick() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        let mapping = ScriptedMapping(["SECRET": "hunter2"])
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: envFile, mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 0.05,
            trigger: .none, onError: recorder.onError)
        defer { handle.stop() }
        mapping.fail(with: MappingBroke())
        mapping.set(["SECRET": "rotated"])
        await waitUntil("two failed runs") { recorder.failures.count >= 2 }
        #expect(try folder.contents(".env") == "SECRET=hunter2\n")
        let failure = try #require(recorder.failures.first)
        #expect(failure.kind == .mappingFailed)
        #expect(failure.message.contains("the connections service is down"))
        #expect(failure.message.contains("left as it was"))
        #expect(failure.underlying is MappingBroke)
        mapping.fail(with: nil)
        await waitUntil("the recovered run") { recorder.changes.count == 1 }
        #expect(try folder.contents(".env") == "SECRET=rotated\n")
        // Values never appear in what is reported.
        #expect(!recorder.failures.contains { $0.description.contains("hunter2") || $0.description.contains("rotated") })
    }

    @Test func theFirstRunsFailureIsReportedNotThrown() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        mapping.fail(with: MappingBroke())
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 0.05,
            trigger: .none, onError: recorder.onError)
        defer { handle.stop() }
        #expect(recorder.failures.map(\.kind) == [.mappingFailed])
        #expect(try folder.entries().isEmpty)
        mapping.fail(with: nil)
        await waitUntil("the file") { (try? folder.contents(".env")) == "A=1\n" }
    }

    @Test func restartExitsWithZeroOnlyAfterBothFilesAreWritten() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let envFile = folder.file(".env")
        let mapping = ScriptedMapping(["A": "1"])
        let seenAtExit = Locked<(env: String?, state: String?)?>(nil)
        let recorder = ReconcilerRecorder()
        var hooks = ReconcilerHooks()
        hooks.terminate = { status in
            recorder.recordExit(status)
            seenAtExit.withLock {
                $0 = (try? folder.contents(".env"), try? folder.contents(".env.vendo-state.json"))
            }
        }
        let handle = try await Reconciler.start(
            envFile: envFile, mapping: mapping.mapping, onChange: .restart, reloadURL: nil, pollInterval: 3600,
            trigger: .none, debounceSeconds: 0, onError: recorder.onError, hooks: hooks)
        defer { handle.stop() }
        #expect(recorder.exitStatuses.isEmpty)
        mapping.set(["A": "2"])
        handle.reconcileNow()
        await waitUntil("the exit") { !recorder.exitStatuses.isEmpty }
        #expect(recorder.exitStatuses == [0])
        let seen = try #require(seenAtExit.withLock { $0 })
        #expect(seen.env == "A=2\n")
        #expect(seen.state == "{\"A\":\"2\"}")
    }

    @Test func reloadHookPostsTheAddedAndChangedNames() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["KEEP": "1", "CHANGE": "a", "DROP": "x"])
        let transport = RecordingTransport()
        var hooks = ReconcilerHooks()
        hooks.transport = transport
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: .reloadHook,
            reloadURL: "http://127.0.0.1:9/reload", pollInterval: 3600, trigger: .none, debounceSeconds: 0,
            onError: recorder.onError, hooks: hooks)
        defer { handle.stop() }
        #expect(transport.requests.isEmpty)
        mapping.set(["KEEP": "1", "CHANGE": "b", "ADD": "y"])
        handle.reconcileNow()
        await waitUntil("the reload request") { transport.requests.count == 1 }
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url.absoluteString == "http://127.0.0.1:9/reload")
        #expect(request.header("content-type") == "application/json")
        #expect(try JSONValue(parsing: request.body ?? Data()) == ["changed": ["ADD", "CHANGE"]])
        #expect(recorder.failures.isEmpty)
    }

    @Test func aFailingReloadHookIsRetriedThenReported() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let transport = RecordingTransport(statuses: [503, 0, 500])
        var hooks = ReconcilerHooks()
        hooks.transport = transport
        hooks.reloadRetry = RetryPolicy(initialBackoff: 0.01)
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: .reloadHook,
            reloadURL: "http://127.0.0.1:9/reload", pollInterval: 3600, trigger: .none, debounceSeconds: 0,
            onError: recorder.onError, hooks: hooks)
        defer { handle.stop() }
        mapping.set(["A": "2"])
        handle.reconcileNow()
        await waitUntil("the report") { !recorder.failures.isEmpty }
        #expect(transport.requests.count == 3)
        #expect(recorder.failures.map(\.kind) == [.reloadHookFailed])
        #expect(recorder.failures.first?.message.contains("HTTP 500") == true)
        // The file was still updated.
        #expect(try folder.contents(".env") == "A=2\n")
    }

    @Test func aThrowingOnChangeClosureIsReported() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: .call { _ in throw MappingBroke() },
            pollInterval: 3600, trigger: .none, debounceSeconds: 0, onError: recorder.onError)
        defer { handle.stop() }
        mapping.set(["A": "2"])
        handle.reconcileNow()
        await waitUntil("the report") { !recorder.failures.isEmpty }
        #expect(recorder.failures.map(\.kind) == [.onChangeFailed])
    }

    @Test func connectionEventsTriggerOneDebouncedRunOtherEventsNone() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let (events, feed) = AsyncStream.makeStream(of: EventStreamMessage.self)
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 3600,
            trigger: .events(events), debounceSeconds: 0.3, onError: recorder.onError)
        defer { handle.stop() }
        #expect(mapping.runs == 1)
        feed.yield(EventStreamMessage(type: "billing.usage_recorded", data: ["micros": 5]))
        try await Task.sleep(for: .milliseconds(400))
        #expect(mapping.runs == 1)

        mapping.set(["A": "2"])
        for type in ["connection.connected", "connection_created", "connection.status_changed"] {
            feed.yield(EventStreamMessage(type: type, data: ["slug": "openai"]))
        }
        await waitUntil("the triggered change") { recorder.changes.count == 1 }
        try await Task.sleep(for: .milliseconds(400))
        #expect(mapping.runs == 2)
        #expect(try folder.contents(".env") == "A=2\n")
    }

    @Test func aTriggerThatFailsIsReportedAndPollingGoesOn() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 0.05,
            trigger: .custom { _ in throw MappingBroke() }, onError: recorder.onError)
        defer { handle.stop() }
        await waitUntil("the report") { !recorder.failures.isEmpty }
        #expect(recorder.failures.map(\.kind) == [.triggerFailed])
        mapping.set(["A": "2"])
        await waitUntil("the polled change") { recorder.changes.count == 1 }
    }

    @Test func stopEndsPollingTriggersAndWrites() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let (events, feed) = AsyncStream.makeStream(of: EventStreamMessage.self)
        let triggerEnded = Locked(false)
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: recorder.onChange, pollInterval: 0.05,
            trigger: .custom { fire in
                for await event in events where event.isConnectionEvent { fire() }
                triggerEnded.withLock { $0 = true }
            }, onError: recorder.onError)
        await waitUntil("a poll") { mapping.runs >= 2 }
        handle.stop()
        await handle.waitUntilStopped()
        #expect(handle.isStopped)
        #expect(triggerEnded.withLock { $0 })
        let runs = mapping.runs
        mapping.set(["A": "2"])
        feed.yield(EventStreamMessage(type: "connection.connected", data: [:]))
        handle.reconcileNow()
        try await Task.sleep(for: .milliseconds(200))
        #expect(mapping.runs == runs)
        #expect(try folder.contents(".env") == "A=1\n")
    }
}
