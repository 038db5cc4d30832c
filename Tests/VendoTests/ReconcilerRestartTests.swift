import Foundation
import Testing

@testable import Vendo

/// `onChange: .restart` really ends the process: checked by running this test
/// binary again as a child that starts a reconciler and changes its mapping.
@Suite("Reconciler restart in a child process")
struct ReconcilerRestartTests {
    static let childVariable = "VENDO_RECONCILER_RESTART_CHILD"

    /// The child's side: only runs when the parent sets `childVariable` to a folder.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil, "runs only as the child"))
    func restartChildBody() async throws {
        let folder = try #require(ProcessInfo.processInfo.environment[Self.childVariable])
        let mapping = ScriptedMapping(["STAGE": "1", "SECRET": "a b # c"])
        let handle = try await Reconciler.start(
            envFile: folder + "/.env", mapping: mapping.mapping, onChange: .restart, pollInterval: 3600,
            trigger: .none, debounceSeconds: 0)
        mapping.set(["STAGE": "2", "SECRET": "rotated \"value\""])
        handle.reconcileNow()
        // `.restart` must end the process before this wait does.
        try await Task.sleep(for: .seconds(60))
        Issue.record("the reconciler did not end the process")
    }

    #if os(Linux)
        @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] == nil))
        func restartExitsTheProcessWithStatusZeroAfterTheWrite() async throws {
            let folder = try TemporaryFolder()
            defer { folder.cleanUp() }
            let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            var environment = ProcessInfo.processInfo.environment
            environment[Self.childVariable] = folder.path
            let child = await runChildProcess(
                ["--testing-library", "swift-testing", "--filter", "restartChildBody"], executable: executable,
                environment: environment, timeout: .seconds(120))
            let result = try #require(child, "the test binary could not be started again")
            #expect(result.reason == .exit)
            #expect(result.status == 0, "child stderr: \(String(decoding: result.standardError, as: UTF8.self))")
            // The exit came after the second write was complete and on disk.
            #expect(try DotEnvFile.read(path: folder.file(".env")) == ["STAGE": "2", "SECRET": "rotated \"value\""])
            #expect(try folder.contents(".env.vendo-state.json").contains("\"STAGE\":\"2\""))
            #expect(try folder.permissions(".env") == 0o600)
        }
    #endif
}
