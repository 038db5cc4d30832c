import Foundation
import Logging
import Testing
import VendoHTTPServer

/// A temporary folder with an `--exec` handler script that records every run.
///
/// Each run appends "<id> <type> <provider> <connection>" to `log` and saves
/// its standard input as `<id>.body`. Extra shell lines run first, so a test
/// can make the handler fail, wait or sleep.
struct ExecRecorder {
    let directory: URL
    let script: URL

    init(prelude: String = "") throws {
        directory = try makeTemporaryDirectory()
        script = directory.appendingPathComponent("handler.sh")
        let dir = directory.path
        try writeScript("""
            set -e
            \(prelude.replacingOccurrences(of: "$DIR", with: "'\(dir)'"))
            cat > '\(dir)'/"$VENDO_EVENT_ID.body"
            printf '%s %s %s %s\\n' "$VENDO_EVENT_ID" "$VENDO_EVENT_TYPE" "${VENDO_EVENT_PROVIDER:-none}" "${VENDO_CONNECTION_ID:-none}" >> '\(dir)/log'
            """, to: script)
    }

    /// The lines of the run log (empty when the handler never ran).
    var runs: [String] {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("log"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    func body(of id: String) -> [UInt8]? {
        (try? Data(contentsOf: directory.appendingPathComponent("\(id).body"))).map { [UInt8]($0) }
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// A real HTTP target for `--forward`, on our own server, recording what it gets.
final class ForwardTarget: @unchecked Sendable {
    struct Received: Sendable {
        var path: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private let lock = NSLock()
    private var storage: [Received] = []
    private var failuresLeft: Int
    private let server: HTTPServer

    /// A target answering 500 to the first `failFirst` requests, then 200.
    init(failFirst: Int = 0) throws {
        failuresLeft = failFirst
        var configuration = HTTPServer.Configuration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let box = Box()
        server = HTTPServer(configuration: configuration, logger: Logger(label: "test.forward-target"),
                            responder: ClosureResponder { request in try await box.target!.record(request) })
        box.target = self
        try server.start()
    }

    private final class Box: @unchecked Sendable { weak var target: ForwardTarget? }

    private func record(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try await request.body.collect()
        let fail = lock.withLock { () -> Bool in
            storage.append(Received(path: request.path, headers: request.headers, body: body))
            if failuresLeft > 0 { failuresLeft -= 1; return true }
            return false
        }
        return fail ? .text("target says no", status: .internalServerError) : .json(Array(#"{"received":true}"#.utf8))
    }

    var received: [Received] { lock.withLock { storage } }
    var url: String { "http://127.0.0.1:\(server.port)/target" }

    func stop() async { await server.shutdown() }
}
