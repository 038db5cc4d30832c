import Testing
@testable import VendoHTTPServer

@Suite struct RequestBodyTests {
    @Test func echoesContentLengthAndChunkedBodies() async throws {
        try await withRouter(routes: { $0.post("/") { request in HTTPResponse(body: .bytes(try await request.body.collect())) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world")
            #expect(try await client.readResponse().text == "hello world")
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n!\r\n0\r\nTrailer: x\r\n\r\n")
            #expect(try await client.readResponse().text == "hello!")
        }
    }

    @Test func theHandlerSeesTheBodyWhileItStreams() async throws {
        let firstChunk = Gate()
        try await withRouter(routes: { router in
            router.post("/") { request in
                var total = 0
                for try await chunk in request.body {
                    if total == 0 { firstChunk.open() }
                    total += chunk.count
                }
                return .text("\(total)")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nfirst")
            #expect(await firstChunk.wait(timeout: .seconds(10)), "the first part reached the handler before the rest was sent")
            try await client.send("-rest")
            #expect(try await client.readResponse().text == "10")
        }
    }

    @Test func readingStopsWhileTheHandlerFallsBehind() async throws {
        let mayRead = Gate()
        let total = 24 << 20
        try await withRouter(.test(limits: .init(maxBodySize: 64 << 20)), routes: { router in
            router.post("/") { request in
                await mayRead.wait()
                var count = 0
                for try await chunk in request.body { count += chunk.count }
                return .text("\(count)")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(total)\r\n\r\n")
            let sent = Gate()
            let sender = Task {
                try await client.send([UInt8](repeating: 0x61, count: total))
                sent.open()
            }
            // The server buffers about 64 KiB and the kernel a few MiB: while
            // the handler does not read, the sender must stay blocked.
            #expect(await !sent.wait(timeout: .seconds(1)), "24 MiB were taken while the handler read nothing")
            mayRead.open()
            try await sender.value
            #expect(try await client.readResponse(timeout: .seconds(60)).text == "\(total)")
        }
    }

    @Test func collectLimitAnswers413FromTheDeclaredLength() async throws {
        try await withRouter(routes: { $0.post("/") { request in HTTPResponse(body: .bytes(try await request.body.collect(upTo: 4))) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.text.contains(#""status":413"#))
            // The body was drained: the connection goes on.
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
            #expect(try await client.readResponse().text == "ok")
        }
    }

    @Test func collectLimitAppliesToChunkedBodiesAsTheyArrive() async throws {
        try await withRouter(routes: { $0.post("/") { request in HTTPResponse(body: .bytes(try await request.body.collect(upTo: 4))) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test func serverBodyLimitAnswers413AndClosesBeforeReading() async throws {
        let called = Recorder<Bool>()
        try await withRouter(.test(limits: .init(maxBodySize: 8)), routes: {
            $0.post("/") { request in called.append(true); return HTTPResponse(body: .bytes(try await request.body.collect())) }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
            #expect(called.all.isEmpty)

            let chunked = try await RawClient.connect(port: server.port)
            try await chunked.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n5\r\n67890\r\n0\r\n\r\n")
            let second = try await chunked.readResponse()
            #expect(second.status == 413)
            #expect(second.header("Connection") == "close")
            #expect(try await chunked.waitForClose())
        }
    }

    @Test func continueIsSentWhenTheHandlerStartsReading() async throws {
        let handlerStarted = Gate()
        let mayRead = Gate()
        try await withRouter(routes: { router in
            router.post("/") { request in
                handlerStarted.open()
                await mayRead.wait()
                return HTTPResponse(body: .bytes(try await request.body.collect()))
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            await handlerStarted.wait()
            #expect(try await client.readAvailable(for: .milliseconds(200)).isEmpty, "no 100 before the handler reads")
            mayRead.open()
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            try await client.send("body")
            let final = try await client.readResponse()
            #expect(final.status == 200)
            #expect(final.text == "body")
            #expect(final.header("Connection") == nil)
        }
    }

    @Test func aFailedHeadGetsItsFinalStatusWithoutContinue() async throws {
        try await withRouter(.test(limits: .init(maxBodySize: 100)), routes: {
            $0.post("/") { request in HTTPResponse(body: .bytes(try await request.body.collect())) }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\nExpect: 100-continue\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
        }
    }

    @Test func answeringWithoutReadingAContinueBodyCloses() async throws {
        try await withRouter(routes: { $0.post("/") { _ in HTTPResponse(status: .unauthorized) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 401, "the final status comes without 100 Continue")
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
        }
    }

    @Test func anEarlyResponseDrainsTheBodyAndKeepsTheConnection() async throws {
        let seen = Recorder<String>()
        try await withRouter(routes: { router in
            router.post("/") { _ in .text("early") }
            router.get("/next") { request in seen.append(request.path); return .text("next") }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n0123456789")
            #expect(try await client.readResponse().text == "early")
            // The rest of the body, then a request that must not be confused with it.
            try await client.send("GET /smugg")  // the 10 missing body bytes, request-shaped
            try await client.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "next")
            #expect(seen.all == ["/next"])
        }
    }

    @Test func anEarlyResponseWithAChunkedBodyDrainsIt() async throws {
        try await withRouter(routes: { router in
            router.post("/") { _ in .text("early") }
            router.get("/next") { _ in .text("next") }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            #expect(try await client.readResponse().text == "early")
            try await client.send("5\r\nGET /\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "next")
        }
    }

    @Test func aMalformedBodyAfterTheHeadGets400AndClose() async throws {
        let bodyError = Recorder<String>()
        try await withRouter(routes: { router in
            router.post("/") { request in
                do {
                    _ = try await request.body.collect()
                } catch {
                    bodyError.append("\(error)")
                    throw error
                }
                return .text("unreachable")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 400)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
            #expect(await eventually { bodyError.all.count == 1 })
        }
    }

    // MARK: A body that arrives with its head

    @Test func aBodyThatArrivesWithItsHeadIsHandedOverWholeAndALaterOneStreams() async throws {
        let streamingHandlerStarted = Gate()
        try await withRouter(routes: { router in
            router.post("/") { request in
                let buffered = request.body.bufferedBytes
                if buffered == nil { streamingHandlerStarted.open() }
                let body = try await request.body.collect()
                return .text("\(buffered.map { String(decoding: $0, as: UTF8.self) } ?? "streamed") \(String(decoding: body, as: UTF8.self))")
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            // Head and body in one write (one read on the server): already complete.
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            #expect(try await client.readResponse().text == "hello hello")
            // The body only after the handler started: it streams.
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            #expect(await streamingHandlerStarted.wait(timeout: .seconds(10)), "the handler ran before the body was sent")
            try await client.send("later")
            #expect(try await client.readResponse().text == "streamed later")
        }
    }

    @Test func pipelinedRequestsWithWholeBodiesAreAnsweredInOrder() async throws {
        try await withRouter(routes: { $0.post("/") { request in
            let buffered = request.body.bufferedBytes != nil
            var chunks: [String] = []  // a whole body iterates as one chunk
            for try await chunk in request.body { chunks.append(String(decoding: chunk, as: UTF8.self)) }
            return .text("\(buffered):\(chunks.joined(separator: "|"))")
        } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                    + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\ntwo"
                    + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(try await client.readResponse().text == "true:one")
            #expect(try await client.readResponse().text == "true:two")
            #expect(try await client.readResponse().text == "true:")
        }
    }

    @Test func aContinueRequestWhoseBodyCameAlongGetsNoContinueAndKeepsTheConnection() async throws {
        try await withRouter(routes: { $0.post("/") { request in
            HTTPResponse(body: .bytes(try await request.body.collect()))
        } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\nbody")
            let response = try await client.readResponse()
            #expect(response.status == 200, "the final status, not 100: the body is already here")
            #expect(response.text == "body")
            #expect(response.header("Connection") == nil)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nnext")
            #expect(try await client.readResponse().text == "next")
        }
    }
}
