import Testing
@testable import VendoHTTPServer

@Suite struct KeepAliveTests {
    private func router(_ router: inout Router) {
        router.get("/") { request in .text("path=\(request.path)") }
        router.get("/n") { request in .text(request.query ?? "") }
        router.get("/close") { _ in HTTPResponse(headers: ["Connection": "close"], body: .string("bye")) }
        router.post("/") { request in .text(textOf(try await request.body.collect())) }
    }

    @Test func http11ConnectionsPersist() async throws {
        try await withRouter(routes: router) { server in
            let client = try await RawClient.connect(port: server.port)
            for index in 0..<3 {
                try await client.send("GET /n?\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try await client.readResponse()
                #expect(response.text == "\(index)")
                #expect(response.header("Connection") == nil)
            }
        }
    }

    @Test func clientConnectionCloseIsHonoured() async throws {
        try await withRouter(routes: router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
        }
    }

    @Test func handlerConnectionCloseIsHonoured() async throws {
        try await withRouter(routes: router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.text == "bye")
            #expect(response.headerCount("Connection") == 1)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
        }
    }

    @Test func nothingIsReadAfterARequestWithConnectionClose() async throws {
        let seen = Recorder<String>()
        try await withRouter(routes: { router in
            router.get("/a") { _ in seen.append("a"); return .text("a") }
            router.get("/b") { _ in seen.append("b"); return .text("b") }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "a")
            #expect(try await client.waitForClose())
            #expect(await client.unreadBytes().isEmpty)
            #expect(seen.all == ["a"])
        }
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() async throws {
        try await withRouter(routes: router) { server in
            let plain = try await RawClient.connect(port: server.port)
            try await plain.send("GET / HTTP/1.0\r\n\r\n")
            let first = try await plain.readResponse()
            #expect(first.status == 200)
            #expect(first.header("Connection") == "close")
            #expect(try await plain.waitForClose())

            let kept = try await RawClient.connect(port: server.port)
            for _ in 0..<2 {
                try await kept.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let response = try await kept.readResponse()
                #expect(response.status == 200)
                #expect(response.header("Connection") == "keep-alive")
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withRouter(routes: { router in
            router.get("/sleep") { request in
                // The first request takes longest: order must still hold.
                let millis = Int(request.query ?? "0") ?? 0
                try await Task.sleep(for: .milliseconds(millis))
                return .text("slept \(millis)")
            }
            router.post("/") { request in .text(textOf(try await request.body.collect())) }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(
                "GET /sleep?200 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /sleep?0 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "GET /sleep?10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            var texts: [String] = []
            for _ in 0..<5 { texts.append(try await client.readResponse().text) }
            #expect(texts == ["slept 200", "hello", "slept 0", "abc", "slept 10"])
            #expect(try await client.waitForClose())
        }
    }

    @Test func aRequestArrivingOneByteAtATimeIsServed() async throws {
        try await withRouter(routes: router) { server in
            let client = try await RawClient.connect(port: server.port)
            let request = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbyte\r\n3\r\nwis\r\n0\r\n\r\n"
            for byte in request.utf8 {
                try await client.send([byte])
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(try await client.readResponse().text == "bytewis")
            try await client.send("GET /n?again HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "again")
        }
    }

    @Test func aClientThatHalfClosesStillGetsItsAnswers() async throws {
        try await withRouter(routes: router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /n?1 HTTP/1.1\r\nHost: x\r\n\r\nGET /n?2 HTTP/1.1\r\nHost: x\r\n\r\n")
            client.shutdownWrite()
            #expect(try await client.readResponse().text == "1")
            #expect(try await client.readResponse().text == "2")
            #expect(try await client.waitForClose())
        }
    }
}
