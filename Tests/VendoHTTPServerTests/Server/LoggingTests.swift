import Logging
import Testing
@testable import VendoHTTPServer

@Suite struct LoggingTests {
    @Test func requestsAreLoggedAtDebugWithMetadataButNeverValuesOrBodies() async throws {
        let recorder = LogRecorder()
        try await withRouter(logger: recorder.logger(level: .trace), routes: {
            $0.post("/hooks") { request in HTTPResponse(body: .bytes(try await request.body.collect())) }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /hooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_live_SECRET\r\nContent-Length: 11\r\n\r\nbody-SECRET")
            #expect(try await client.readResponse().status == 200)
        }
        let entries = recorder.all
        let request = try #require(entries.first { $0.message == "request" })
        #expect(request.level == .debug)
        #expect(request.metadata["http.method"] == "POST")
        #expect(request.metadata["http.path"] == "/hooks")
        #expect(request.metadata["http.status"] == "200")
        #expect(request.metadata["connection.id"] != nil)
        for entry in entries {
            let text = entry.message + entry.metadata.map { "\($0.key)=\($0.value)" }.joined()
            #expect(!text.contains("SECRET"), "leaked in: \(text)")
            if entry.level > .info { Issue.record("library logged above info: \(entry.message)") }
        }
    }

    @Test func handlerFailuresAreLoggedWithoutTheErrorText() async throws {
        struct Leaky: Error, CustomStringConvertible { var description: String { "token=SECRET" } }
        let recorder = LogRecorder()
        try await withRouter(logger: recorder.logger(level: .trace), routes: { $0.get("/") { _ in throw Leaky() } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 500)
        }
        let failure = try #require(recorder.all.first { $0.message.contains("handler failed") })
        #expect(failure.metadata["error.type"]?.contains("Leaky") == true)
        #expect(!recorder.all.contains { $0.metadata.values.contains { $0.contains("SECRET") } })
    }
}
