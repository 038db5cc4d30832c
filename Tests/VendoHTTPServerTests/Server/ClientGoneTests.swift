import Testing
@testable import VendoHTTPServer

/// While a handler runs the server keeps watching the socket: a client that
/// goes away cancels the handler and frees its connection slot, bytes sent
/// ahead (pipelining) are kept within a bound, and back-pressure holds.
@Suite struct ClientGoneTests {
    /// Reads until `marker` arrives (or the 10 s budget is spent).
    private func read(until marker: String, from client: RawClient) async throws -> String {
        var seen: [UInt8] = []
        for _ in 0..<100 where find(Array(marker.utf8), in: seen) == nil {
            seen += try await client.readAvailable(for: .milliseconds(100))
        }
        return textOf(seen)
    }

    @Test func anIdleEventStreamEndsWhenTheClientCloses() async throws {
        let (events, feed) = AsyncStream<String>.makeStream()
        let sawCancellation = Gate()
        let laterWriteFailed = Gate()
        try await withRouter(routes: { router in
            router.get("/events") { _ in
                HTTPResponse(headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                    try await writer.write(Array("data: one\n\n".utf8))
                    // Idle between events, as server-sent events are: only
                    // cancellation ends this wait (the feed never finishes).
                    for await event in events { try await writer.write(Array(event.utf8)) }
                    if Task.isCancelled { sawCancellation.open() }
                    do {
                        try await writer.write(Array("data: late\n\n".utf8))
                    } catch let error as HTTPConnectionError {
                        laterWriteFailed.open()
                        throw error
                    }
                })
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await read(until: "data: one", from: client).contains("data: one"))
            #expect(server.connectionCount == 1)
            client.close()
            #expect(await eventually { sawCancellation.isOpen && laterWriteFailed.isOpen },
                    "the handler's task was cancelled and its next write threw")
            #expect(await eventually { server.connectionCount == 0 }, "the connection slot was freed")
        }
        feed.finish()
    }

    @Test(arguments: [false, true])
    func aSlowHandlerIsCancelledWhenTheClientGoesAway(reset: Bool) async throws {
        let started = Gate()
        let cancelled = Gate()
        try await withRouter(routes: { router in
            router.get("/slow") { _ in
                started.open()
                do {
                    try await Task.sleep(for: .seconds(3_600))
                } catch {
                    cancelled.open()
                    throw error
                }
                return .text("too late")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            await started.wait()
            #expect(server.connectionCount == 1)
            if reset { client.reset() } else { client.close() }
            #expect(await eventually { cancelled.isOpen }, "the handler's task was cancelled")
            #expect(await eventually { server.connectionCount == 0 }, "the connection slot was freed")
        }
    }

    @Test func theFreedSlotAdmitsTheNextClientAtTheConnectionLimit() async throws {
        let started = Gate()
        try await withRouter(.test(maxConnections: 1), routes: { router in
            router.get("/slow") { _ in
                started.open()
                try await Task.sleep(for: .seconds(3_600))
                return .text("too late")
            }
            router.get("/") { _ in .text("next") }
        }) { server in
            let first = try await RawClient.connect(port: server.port)
            try await first.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            await started.wait()
            // Waits in the kernel's backlog until the first client's slot is free.
            let second = try await RawClient.connect(port: server.port)
            try await second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            first.close()
            #expect(try await second.readResponse().text == "next")
        }
    }

    @Test func aHalfClosingClientStillGetsAFixedResponse() async throws {
        try await withRouter(routes: { router in
            router.get("/") { _ in
                // Ignores cancellation on purpose: waits for it, then answers.
                let deadline = ContinuousClock.now + .seconds(10)
                while !Task.isCancelled, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return .text("cancelled=\(Task.isCancelled)")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            client.shutdownWrite()
            let response = try await client.readResponse()
            #expect(response.text == "cancelled=true", "the end of file cancelled the handler; its answer still came")
            #expect(try await client.waitForClose())
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func aHalfClosingClientGetsAllOfALargeLastResponse() async throws {
        let size = 32 << 20
        try await withRouter(routes: { router in
            router.get("/big") { _ in HTTPResponse(body: .bytes([UInt8](repeating: 0x62, count: size))) }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            // The response is far larger than the socket buffers: once its
            // first bytes are here the server is still sending the rest.
            var first: [UInt8] = []
            for _ in 0..<100 where first.isEmpty {
                first = try await client.readAvailable(for: .milliseconds(100))
            }
            #expect(!first.isEmpty)
            client.shutdownWrite()
            var received = first
            #expect(try await client.waitForClose(timeout: .seconds(60)))
            received += await client.unreadBytes()
            let headEnd = try #require(find([13, 10, 13, 10], in: received))
            #expect(received.count - headEnd - 4 == size, "the end of file did not cut the response short")
        }
    }

    @Test func aStreamIsNotStartedForAClientThatAlreadyClosed() async throws {
        let streamRan = Gate()
        try await withRouter(routes: { router in
            router.get("/events") { _ in
                let deadline = ContinuousClock.now + .seconds(10)
                while !Task.isCancelled, ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return HTTPResponse(body: .stream { writer in
                    streamRan.open()
                    try await writer.write(Array("data: one\n\n".utf8))
                })
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            client.shutdownWrite()
            #expect(try await client.waitForClose())
            #expect(await client.unreadBytes().isEmpty, "no response head for a stream nobody reads")
            #expect(!streamRan.isOpen)
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func pipelinedRequestsSentWhileAHandlerRunsAreKeptAndAnsweredInOrder() async throws {
        let started = Gate()
        let release = Gate()
        let logs = LogRecorder()
        try await withRouter(logger: logs.logger(), routes: { router in
            router.get("/slow") { _ in
                started.open()
                await release.wait()
                return .text("slow")
            }
            router.get("/n") { request in .text(request.query ?? "") }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            await started.wait()
            let pipelined = "GET /n?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /n?2 HTTP/1.1\r\nHost: x\r\n\r\n"
            try await client.send(pipelined)
            #expect(await eventually {
                logs.all.filter { $0.message == "input kept while the handler runs" }
                    .compactMap { Int($0.metadata["read.buffered"] ?? "") }
                    .contains(pipelined.utf8.count)
            }, "the server read the pipelined requests while the handler ran")
            release.open()
            #expect(try await client.readResponse().text == "slow")
            #expect(try await client.readResponse().text == "1")
            #expect(try await client.readResponse().text == "2")
            try await client.send("GET /n?3 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "3")
        }
    }

    @Test func readingAheadWhileAHandlerRunsIsBounded() async throws {
        let started = Gate()
        let release = Gate()
        let total = 24 << 20
        try await withRouter(.test(limits: .init(maxBodySize: 64 << 20)), routes: { router in
            router.get("/slow") { _ in
                started.open()
                await release.wait()
                return .text("slow")
            }
            router.post("/") { request in
                var count = 0
                for try await chunk in request.body { count += chunk.count }
                return .text("\(count)")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            await started.wait()
            let sent = Gate()
            let sender = Task {
                try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(total)\r\n\r\n")
                try await client.send([UInt8](repeating: 0x61, count: total))
                sent.open()
            }
            // Read-ahead keeps at most the header limit; the kernel buffers a
            // few MiB: while the first handler runs the sender must stay blocked.
            #expect(await !sent.wait(timeout: .seconds(1)), "24 MiB were taken while a handler ran")
            release.open()
            #expect(try await client.readResponse().text == "slow")
            try await sender.value
            #expect(try await client.readResponse(timeout: .seconds(60)).text == "\(total)")
        }
    }

    @Test func aStreamInFlightAtShutdownIsCancelledAtTheDeadline() async throws {
        let (events, feed) = AsyncStream<String>.makeStream()
        let sawCancellation = Gate()
        let laterWriteFailed = Gate()
        var router = Router()
        router.get("/events") { _ in
            HTTPResponse(body: .stream { writer in
                try await writer.write(Array("data: one\n\n".utf8))
                for await event in events { try await writer.write(Array(event.utf8)) }
                if Task.isCancelled { sawCancellation.open() }
                do {
                    try await writer.write(Array("data: late\n\n".utf8))
                } catch {
                    if error is HTTPConnectionError { laterWriteFailed.open() }
                    throw error
                }
            })
        }
        let server = HTTPServer(configuration: .test(shutdownGracePeriod: .milliseconds(300)), logger: .quiet,
                                responder: router)
        try server.start()
        let client = try await RawClient.connect(port: server.port)
        try await client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await read(until: "data: one", from: client).contains("data: one"))
        await server.shutdown()
        #expect(server.connectionCount == 0)
        #expect(await eventually { sawCancellation.isOpen && laterWriteFailed.isOpen })
        #expect(try await client.waitForClose())
        #expect(!textOf(await client.unreadBytes()).contains("0\r\n\r\n"), "no last chunk: the body is cut short")
        feed.finish()
    }

    @Test func aStreamThatEndsDuringShutdownCompletesAndCloses() async throws {
        let streaming = Gate()
        let finish = Gate()
        let mayRespond = Gate()
        var router = Router()
        router.get("/events") { _ in
            HTTPResponse(body: .stream { writer in
                try await writer.write(Array("one".utf8))
                streaming.open()
                await finish.wait()
                try await writer.write(Array("two".utf8))
            })
        }
        router.get("/late") { _ in
            await mayRespond.wait()
            return HTTPResponse(body: .stream { writer in try await writer.write(Array("late".utf8)) })
        }
        router.get("/") { _ in .text("idle") }
        let server = HTTPServer(configuration: .test(), logger: .quiet, responder: router)
        try server.start()
        let streamed = try await RawClient.connect(port: server.port)
        try await streamed.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        let late = try await RawClient.connect(port: server.port)
        try await late.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n")
        let idle = try await RawClient.connect(port: server.port)
        try await idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await idle.readResponse().text == "idle")
        await streaming.wait()

        let stopping = Task { await server.shutdown() }
        // The idle connection closing shows every connection was told.
        #expect(try await idle.waitForClose())
        finish.open()
        mayRespond.open()

        let first = try await streamed.readResponse()
        #expect(first.chunks.map(textOf) == ["one", "two", ""])
        #expect(first.header("Connection") == nil, "its head went out before the shutdown")
        #expect(try await streamed.waitForClose())
        let second = try await late.readResponse()
        #expect(second.header("Connection") == "close")
        #expect(second.chunks.map(textOf) == ["late", ""])
        #expect(try await late.waitForClose())
        await stopping.value
        #expect(server.connectionCount == 0)
    }
}
