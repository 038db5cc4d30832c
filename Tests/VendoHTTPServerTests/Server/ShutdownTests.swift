import Testing
import Logging
@testable import VendoHTTPServer

@Suite struct ShutdownTests {
    @Test func aRequestInFlightCompletesWithConnectionClose() async throws {
        let started = Gate()
        let release = Gate()
        var router = Router()
        router.get("/slow") { _ in
            started.open()
            await release.wait()
            return .text("finished")
        }
        let server = HTTPServer(configuration: .test(), logger: .quiet, responder: router)
        try server.start()
        let busy = try await RawClient.connect(port: server.port)
        try await busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        let idle = try await RawClient.connect(port: server.port)
        try await idle.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await idle.readResponse().status == 404)
        await started.wait()

        let stopping = Task { await server.shutdown() }
        #expect(try await idle.waitForClose(), "idle connections close at once")
        #expect(await eventually {
            (try? await RawClient.connect(port: server.port)) == nil
        }, "the listener is closed")

        release.open()
        let response = try await busy.readResponse()
        #expect(response.text == "finished")
        #expect(response.header("Connection") == "close")
        #expect(try await busy.waitForClose())
        await stopping.value
        await server.waitUntilStopped()
        #expect(server.connectionCount == 0)
    }

    @Test func connectionsStillBusyAtTheDeadlineAreClosed() async throws {
        var router = Router()
        let started = Gate()
        router.get("/never") { _ in
            started.open()
            try await Task.sleep(for: .seconds(60))
            return .text("too late")
        }
        let server = HTTPServer(configuration: .test(shutdownGracePeriod: .milliseconds(300)), logger: .quiet, responder: router)
        try server.start()
        let client = try await RawClient.connect(port: server.port)
        try await client.send("GET /never HTTP/1.1\r\nHost: x\r\n\r\n")
        await started.wait()
        let begin = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - begin < .seconds(30))
        #expect(try await client.waitForClose())
        #expect(await client.unreadBytes().isEmpty)
    }

    @Test func waitUntilStoppedReturnsAfterShutdownAndAtOnceWhenNeverStarted() async throws {
        let never = HTTPServer(configuration: .test(), logger: .quiet, responder: Router())
        await never.waitUntilStopped()

        let server = HTTPServer(configuration: .test(), logger: .quiet, responder: Router())
        try server.start()
        let stopped = Gate()
        let waiter = Task {
            await server.waitUntilStopped()
            stopped.open()
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!stopped.isOpen)
        await server.shutdown()
        await waiter.value
        #expect(stopped.isOpen)
        await server.shutdown()  // again: just returns
    }
}
