import Testing
@testable import VendoHTTPServer

@Suite struct ResponseTests {
    @Test func headersKeepTheirOrderAndTheServerAddsDateAndLength() async throws {
        try await withRouter(routes: { router in
            router.get("/") { _ in
                var headers = HTTPHeaders()
                headers.add(name: "X-B", value: "1")
                headers.add(name: "X-A", value: "2")
                headers.add(name: "X-B", value: "3")
                headers.add(name: "Content-Length", value: "999")  // the server's to set
                headers.add(name: "Transfer-Encoding", value: "gzip")
                return HTTPResponse(status: .created, headers: headers, body: .string("four"))
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 201)
            #expect(response.reason == "Created")
            #expect(response.headers.filter { $0.name.hasPrefix("X-") }.map(\.value) == ["1", "2", "3"])
            #expect(response.headerCount("Content-Length") == 1)
            #expect(response.header("Content-Length") == "4")
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.text == "four")
            let date = try #require(response.header("Date"))
            #expect(date.count == 29 && date.hasSuffix(" GMT"), "IMF-fixdate: \(date)")
        }
    }

    @Test func dateIsFormattedAsIMFFixdate() {
        #expect(textOf(HTTPDate.format(784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(textOf(HTTPDate.format(0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(textOf(HTTPDate.format(1_709_208_000)) == "Thu, 29 Feb 2024 12:00:00 GMT")
    }

    @Test func aHandlerDateIsKept() async throws {
        try await withRouter(routes: { $0.get("/") { _ in HTTPResponse(headers: ["Date": "Sun, 06 Nov 1994 08:49:37 GMT"]) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.headerCount("Date") == 1)
            #expect(response.header("Date") == "Sun, 06 Nov 1994 08:49:37 GMT")
        }
    }

    @Test func headIsServedByGetWithoutABody() async throws {
        try await withRouter(routes: { $0.get("/") { _ in .text("twelve bytes") } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try await client.readResponse(bodyless: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "12")
            // If a body had been sent, it would be read as the next status line.
            let get = try await client.readResponse()
            #expect(get.status == 200)
            #expect(get.text == "twelve bytes")
        }
    }

    @Test(arguments: [204, 304])
    func statusesWithoutBodySendNone(code: Int) async throws {
        try await withRouter(routes: { $0.get("/") { _ in HTTPResponse(status: HTTPStatus(code: code), body: .string("dropped")) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let first = try await client.readResponse()
            #expect(first.status == code)
            #expect(first.header("Content-Length") == nil)
            #expect(first.header("Transfer-Encoding") == nil)
            #expect(try await client.readResponse().status == code)
        }
    }

    @Test func streamedChunksReachTheClientBeforeTheHandlerFinishes() async throws {
        let clientSawFirst = Gate()
        let handlerDone = Gate()
        try await withRouter(routes: { router in
            router.get("/events") { _ in
                HTTPResponse(headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                    try await writer.write(Array("data: one\n\n".utf8))
                    await clientSawFirst.wait()
                    try await writer.write([])  // no-op, not the last chunk
                    try await writer.write(Array("data: two\n\n".utf8))
                    handlerDone.open()
                })
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            var seen: [UInt8] = []
            for _ in 0..<100 where find(Array("data: one".utf8), in: seen) == nil {
                seen += try await client.readAvailable(for: .milliseconds(100))
            }
            let text = textOf(seen)
            #expect(text.contains("Transfer-Encoding: chunked"))
            #expect(text.contains("data: one"))
            #expect(!handlerDone.isOpen, "the first event arrived while the handler was still running")
            clientSawFirst.open()
            var rest: [UInt8] = []
            for _ in 0..<100 where find(Array("0\r\n\r\n".utf8), in: rest) == nil {
                rest += try await client.readAvailable(for: .milliseconds(100))
            }
            #expect(textOf(rest) == "b\r\ndata: two\n\n\r\n0\r\n\r\n")
            // Still usable afterwards.
            try await client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            let again = try await client.readResponse()
            #expect(again.chunks.map(textOf) == ["data: one\n\n", "data: two\n\n", ""])
        }
    }

    @Test func streamsToHTTP10ClientsAreCloseDelimited() async throws {
        try await withRouter(routes: { router in
            router.get("/") { _ in
                HTTPResponse(body: .stream { writer in
                    try await writer.write(Array("part1 ".utf8))
                    try await writer.write(Array("part2".utf8))
                })
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.header("Content-Length") == nil)
            #expect(response.header("Connection") == "close")
            #expect(response.text == "part1 part2")
        }
    }

    @Test func aStreamThatFailsCutsTheResponseShort() async throws {
        struct Boom: Error {}
        try await withRouter(routes: { router in
            router.get("/") { _ in
                HTTPResponse(body: .stream { writer in
                    try await writer.write(Array("partial".utf8))
                    throw Boom()
                })
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.waitForClose())
            let bytes = textOf(await client.unreadBytes())
            #expect(bytes.contains("7\r\npartial\r\n"))
            #expect(!bytes.contains("0\r\n\r\n"), "no last chunk: the client can tell the body is incomplete")
        }
    }

    @Test func theStreamWriterThrowsOnceTheClientIsGone() async throws {
        let writeFailed = Gate()
        try await withRouter(routes: { router in
            router.get("/") { _ in
                HTTPResponse(body: .stream { writer in
                    do {
                        for _ in 0..<10_000 {
                            try await writer.write([UInt8](repeating: 0x2E, count: 1024))
                            try await Task.sleep(for: .milliseconds(1))
                        }
                    } catch {
                        // A write threw, or the sleep did because the server
                        // cancelled the task on seeing the client go: either
                        // way, writing now must fail.
                        #expect(error is HTTPConnectionError || error is CancellationError)
                        do {
                            try await writer.write([0x2E])
                        } catch is HTTPConnectionError {
                            writeFailed.open()
                        }
                        throw error
                    }
                })
            }
        }) { server in
            var client: RawClient? = try await RawClient.connect(port: server.port)
            try await client!.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try await client!.readAvailable(for: .milliseconds(50))
            client = nil
            #expect(await writeFailed.wait(timeout: .seconds(10)))
        }
    }

    @Test func aThrownErrorBecomesABare500() async throws {
        struct Secret: Error, CustomStringConvertible { var description: String { "db password is hunter2" } }
        try await withRouter(routes: { $0.get("/") { _ in throw Secret() } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 500)
            #expect(response.text == #"{"error":{"status":500,"message":"Internal Server Error"}}"#)
            #expect(!response.text.contains("hunter2"))
            // The connection survives a handler failure.
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 500)
        }
    }

    @Test func anHTTPErrorBecomesItsStatusWithJSONAndHeaders() async throws {
        try await withRouter(routes: { router in
            router.get("/") { _ in
                throw HTTPError(.tooManyRequests, message: "slow \"down\"", headers: ["Retry-After": "3"])
            }
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 429)
            #expect(response.header("Retry-After") == "3")
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text == #"{"error":{"status":429,"message":"slow \"down\""}}"#)
        }
    }

    @Test(arguments: [("X-Bad", "a\r\nSet-Cookie: evil=1"), ("X-Bad", "a\nb"), ("X-Bad", "nul\u{0}"), ("Bad Name", "v"), ("", "v")])
    func headersThatWouldBreakFramingTurnInto500(name: String, value: String) async throws {
        try await withRouter(routes: { $0.get("/") { _ in HTTPResponse(headers: HTTPHeaders([(name, value)]), body: .string("x")) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 500)
            #expect(response.header("Set-Cookie") == nil)
            #expect(response.header("X-Bad") == nil)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 500)
        }
    }

    @Test func aReasonPhraseWithCRLFFallsBackToTheStandardOne() async throws {
        try await withRouter(routes: { $0.get("/") { _ in HTTPResponse(status: HTTPStatus(code: 404, reasonPhrase: "Gone\r\nX: y")) } }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 404)
            #expect(response.reason == "Not Found")
            #expect(response.header("X") == nil)
        }
    }

    @Test func unknownMethodsGet501AndTheConnectionContinues() async throws {
        let called = Recorder<String>()
        try await withServer(responder: ClosureResponder { request in
            called.append(request.method.rawValue)
            return .text("ok")
        }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("PURGE / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 501)
            #expect(try await client.readResponse().text == "ok")
            #expect(called.all == ["GET"])
        }
    }

    @Test func connectGets501AndClose() async throws {
        try await withServer(responder: ClosureResponder { _ in .text("no") }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 501)
            #expect(response.header("Connection") == "close")
            #expect(try await client.waitForClose())
        }
    }

    @Test func anInvalidFinalStatusFromAHandlerBecomes500() async throws {
        try await withServer(responder: ClosureResponder { _ in HTTPResponse(status: .continue) }) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 500)
        }
    }
}
