import Foundation
import Testing
import VendoHTTPServer

@testable import Vendo

/// `onChange: .reloadHook` against a real HTTP endpoint on 127.0.0.1.
@Suite("Reconciler reload hook (live, local server)")
struct ReconcilerReloadHookTests {
    /// An app's reload endpoint: records what it is sent, answers with the next scripted status.
    final class ReloadEndpoint: Sendable {
        let received = Locked<[(headers: HTTPHeaders, body: [UInt8])]>([])
        let statuses: Locked<[Int]>
        let server: HTTPServer

        init(statuses: [Int] = []) throws {
            let received = self.received
            let scripted = Locked(statuses)
            self.statuses = scripted
            var router = Router()
            router.post("/reload") { request in
                let body = try await request.body.collect(upTo: 64 * 1024)
                received.withLock { $0.append((request.headers, body)) }
                let status = scripted.withLock { $0.isEmpty ? 204 : $0.removeFirst() }
                return HTTPResponse(status: HTTPStatus(code: status))
            }
            server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), responder: router)
            try server.start()
        }

        var url: String { "http://127.0.0.1:\(server.port)/reload" }
    }

    @Test func postsTheChangedNamesAsJSON() async throws {
        let endpoint = try ReloadEndpoint()
        defer { Task { await endpoint.server.shutdown() } }
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["KEEP": "1", "ROTATE": "old", "DROP": "x"])
        let recorder = ReconcilerRecorder()
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: .reloadHook, reloadURL: endpoint.url,
            pollInterval: 3600, trigger: .none, debounceSeconds: 0, onError: recorder.onError)
        defer { handle.stop() }
        #expect(endpoint.received.withLock { $0.isEmpty })

        mapping.set(["KEEP": "1", "ROTATE": "new", "ADDED": "y"])
        handle.reconcileNow()
        await waitUntil("the reload request") { endpoint.received.withLock { $0.count } == 1 }
        let (headers, body) = try #require(endpoint.received.withLock { $0.first })
        #expect(headers["Content-Type"] == "application/json")
        #expect(try JSONValue(parsing: Data(body)) == ["changed": ["ADDED", "ROTATE"]])
        // The endpoint was told after the file changed.
        #expect(try folder.contents(".env") == "ADDED=y\nKEEP=1\nROTATE=new\n")
        #expect(recorder.failures.isEmpty)
    }

    @Test func aServerErrorIsRetriedAndThenSucceeds() async throws {
        let endpoint = try ReloadEndpoint(statuses: [503])
        defer { Task { await endpoint.server.shutdown() } }
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let recorder = ReconcilerRecorder()
        var hooks = ReconcilerHooks()
        hooks.reloadRetry = RetryPolicy(initialBackoff: 0.01)
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: .reloadHook, reloadURL: endpoint.url,
            pollInterval: 3600, trigger: .none, debounceSeconds: 0, onError: recorder.onError, hooks: hooks)
        defer { handle.stop() }
        mapping.set(["A": "2"])
        handle.reconcileNow()
        await waitUntil("two reload requests") { endpoint.received.withLock { $0.count } == 2 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(recorder.failures.isEmpty)
    }

    @Test func anUnreachableHookIsReportedAndTheFileIsStillWritten() async throws {
        let unreachable = try UnreachablePort()
        let url = unreachable.url.absoluteString + "/reload"
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let mapping = ScriptedMapping(["A": "1"])
        let recorder = ReconcilerRecorder()
        var hooks = ReconcilerHooks()
        hooks.reloadRetry = RetryPolicy(initialBackoff: 0.01)
        let handle = try await Reconciler.start(
            envFile: folder.file(".env"), mapping: mapping.mapping, onChange: .reloadHook, reloadURL: url,
            pollInterval: 3600, trigger: .none, debounceSeconds: 0, onError: recorder.onError, hooks: hooks)
        defer { handle.stop() }
        mapping.set(["A": "2"])
        handle.reconcileNow()
        await waitUntil("the report") { !recorder.failures.isEmpty }
        #expect(recorder.failures.first?.kind == .reloadHookFailed)
        #expect(recorder.failures.first?.message.contains("could not be reached") == true)
        #expect(try folder.contents(".env") == "A=2\n")
        withExtendedLifetime(unreachable) {}
    }
}
