import Testing
@testable import VendoHTTPServer

@Suite struct TimeoutTests {
    @Test func theDeadlineClockCountsNanosecondsAndMovesWithTime() async throws {
        let before = DeadlineClock.now()
        try await Task.sleep(for: .milliseconds(100))
        let elapsed = DeadlineClock.now() &- before
        // Coarse (a tick of 1-4 ms), but nanoseconds: 100 ms is about 1e8.
        #expect(elapsed >= 90_000_000, "elapsed \(elapsed) ns")
        #expect(elapsed < 5_000_000_000, "elapsed \(elapsed) ns")
    }

    private static let short = HTTPServer.Configuration.Timeouts(
        headerRead: .milliseconds(600), bodyRead: .milliseconds(600), idle: .milliseconds(400),
        write: .milliseconds(600), lingeringClose: .milliseconds(500))

    @Test func idleConnectionsCloseSilently() async throws {
        try await withRouter(.test(timeouts: Self.short), routes: { $0.get("/") { _ in .text("ok") } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
            #expect(try await client.waitForClose())
            #expect(await client.unreadBytes().isEmpty, "no 408 for an idle connection")
            let silent = try await RawClient.connect(port: server.port)
            #expect(try await silent.waitForClose())
            #expect(await silent.unreadBytes().isEmpty)
        }
    }

    @Test func aSlowHeadGets408AndClose() async throws {
        try await withRouter(.test(timeouts: Self.short), routes: { $0.get("/") { _ in .text("ok") } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
        }
    }

    @Test func slowlorisIsCutOffWhileOthersAreServed() async throws {
        // Only the header timeout is short: the other clients must never
        // trip an idle timeout however long the machine keeps them waiting.
        let timeouts = HTTPServer.Configuration.Timeouts(headerRead: .seconds(1), idle: .seconds(60))
        try await withRouter(.test(timeouts: timeouts), routes: { $0.get("/") { _ in .text("ok") } }) { server in
            let loris = try await RawClient.connect(port: server.port)
            let start = ContinuousClock.now
            // One header byte every 100 ms: each byte would reset an inactivity
            // timer, but the header timeout counts from the first byte.
            let trickle = Task {
                try? await loris.trickle("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + String(repeating: "a", count: 200),
                                         every: .milliseconds(100))
            }
            // Others are served while the trickle goes on (no time window is
            // asserted: a loaded machine may be slow, never wrong).
            try await Task.sleep(for: .milliseconds(250))
            for _ in 0..<3 {
                let other = try await RawClient.connect(port: server.port)
                try await other.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await other.readResponse().status == 200)
            }
            let response = try await loris.readResponse(timeout: .seconds(15))
            #expect(response.status == 408)
            #expect(try await loris.waitForClose())
            #expect(ContinuousClock.now - start < .seconds(15), "cut off long before the trickle would end (20 s)")
            trickle.cancel()
        }
    }

    @Test func aSlowBodyGets408AndTheHandlerSeesTheFailure() async throws {
        let bodyError = Recorder<String>()
        try await withRouter(.test(timeouts: Self.short), routes: {
            $0.post("/") { request in
                do {
                    return HTTPResponse(body: .bytes(try await request.body.collect()))
                } catch {
                    bodyError.append("\(error)")
                    throw error
                }
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
            #expect(await eventually { bodyError.all.count == 1 })
        }
    }

    @Test func waitingFor100ContinueDoesNotCountAgainstTheClient() async throws {
        let mayRead = Gate()
        // Only the body timeout is short: the client may wait between connecting and sending.
        let timeouts = HTTPServer.Configuration.Timeouts(
            headerRead: .seconds(60), bodyRead: .milliseconds(600), idle: .seconds(60), write: .seconds(60))
        try await withRouter(.test(timeouts: timeouts), routes: {
            $0.post("/") { request in
                await mayRead.wait()
                return HTTPResponse(body: .bytes(try await request.body.collect()))
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            try await Task.sleep(for: .milliseconds(900))  // longer than the body timeout
            mayRead.open()
            #expect(try await client.readResponse().status == 100)
            try await client.send("ok")
            #expect(try await client.readResponse().text == "ok")
        }
    }

    @Test func aClientThatStopsReadingIsDroppedByTheWriteTimeout() async throws {
        let writeFailed = Gate()
        try await withRouter(.test(timeouts: Self.short), routes: {
            $0.get("/") { _ in
                HTTPResponse(body: .stream { writer in
                    do {
                        while true { try await writer.write([UInt8](repeating: 0x2E, count: 64 * 1024)) }
                    } catch {
                        writeFailed.open()
                        throw error
                    }
                })
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            // Never read: the kernel buffers fill and the write stalls.
            #expect(await writeFailed.wait(timeout: .seconds(20)))
            _ = client
        }
    }

    @Test func aSlowHandlerIsNotTimedOut() async throws {
        try await withRouter(.test(timeouts: Self.short), routes: {
            $0.get("/") { _ in
                try await Task.sleep(for: .milliseconds(1_200))
                return .text("late but fine")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "late but fine")
        }
    }
}
