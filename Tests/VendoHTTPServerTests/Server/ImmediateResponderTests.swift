import Testing
@testable import VendoHTTPServer

/// A responder that answers `/now` immediately and hands `/later` on to
/// `respond(to:)` with a note in `userInfo`; it records which path ran.
private struct TwoSpeedResponder: HTTPImmediateResponder {
    enum NoteKey: RequestUserInfoKey { typealias Value = String }
    let calls = Recorder<String>()
    let taskStarted = Gate()

    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        calls.append("immediate \(request.path)")
        if request.path == "/now" { return .text("now") }
        request.userInfo[NoteKey.self] = "noted on the loop"
        return nil
    }

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        calls.append("task \(request.path)")
        taskStarted.open()
        let body = String(decoding: try await request.body.collect(), as: UTF8.self)
        return .text("\(request.userInfo[NoteKey.self] ?? "no note") \(body)")
    }
}

@Suite struct ImmediateResponderTests {
    @Test func answersNowOrHandsOnWithWhatItLearned() async throws {
        let responder = TwoSpeedResponder()
        try await withServer(responder: responder) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "now")
            try await client.send("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
            #expect(try await client.readResponse().text == "noted on the loop body")
            // Pipelined: both answered, in order, on one connection.
            try await client.send("GET /now HTTP/1.1\r\nHost: x\r\n\r\nPOST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            #expect(try await client.readResponse().text == "now")
            #expect(try await client.readResponse().text == "noted on the loop hi")
        }
        #expect(responder.calls.all == [
            "immediate /now", "immediate /later", "task /later", "immediate /now", "immediate /later", "task /later",
        ])
    }

    @Test func manyPipelinedImmediateAnswersComeBackWholeAndInOrder() async throws {
        // An answer held for the end of the loop's batch lets the next
        // pipelined request start; the answers leave together, in order.
        let responder = TwoSpeedResponder()
        try await withServer(responder: responder) { server in
            let client = try await RawClient.connect(port: server.port)
            var requests = ""
            for index in 0..<50 {
                requests += index % 10 == 9
                    ? "POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n\(100 + index)"
                    : "GET /now HTTP/1.1\r\nHost: x\r\n\r\n"
            }
            try await client.send(requests)
            for index in 0..<50 {
                let expected = index % 10 == 9 ? "noted on the loop \(100 + index)" : "now"
                #expect(try await client.readResponse().text == expected)
            }
            try await client.send("GET /now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try await client.readResponse().text == "now")
            #expect(try await client.waitForClose())
        }
        #expect(responder.calls.all.count == 56, "50 offered, 5 handed on, 1 more offered")
    }

    @Test func pipelinedAnswersReadTogetherLeaveInOneSend() async throws {
        let responder = TwoSpeedResponder()
        try await withServer(responder: responder) { server in
            let client = try await RawClient.connect(port: server.port)
            // Warm up the connection, then pipeline 20 requests in one write:
            // the server reads them at once and holds each answer for the
            // batch while the next request starts.
            try await client.send("GET /now HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "now")
            let before = try #require(client.dataSegmentsReceived(), "the kernel reports no tcpi_data_segs_in")
            try await client.send(String(repeating: "GET /now HTTP/1.1\r\nHost: x\r\n\r\n", count: 20))
            for _ in 0..<20 { #expect(try await client.readResponse().text == "now") }
            let segments = try #require(client.dataSegmentsReceived()) - before
            // One send is one segment on loopback (1.6 KB); a send per answer would be 20.
            #expect(segments <= 2, "20 pipelined answers came in \(segments) segments")
        }
    }

    @Test func pipelinedAnswersStopJoiningAtTheHeldOutputBoundAndAllArrive() async throws {
        /// Answers `/big?N` at once with N bytes of one letter per request.
        struct Sized: HTTPImmediateResponder {
            func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
                let size = Int(request.query ?? "0") ?? 0
                let letter = UInt8(ascii: "a") + UInt8(size % 26)
                return .json([UInt8](repeating: letter, count: size))
            }
            func respond(to request: HTTPRequest) async throws -> HTTPResponse { .text("not offered") }
        }
        try await withServer(responder: Sized()) { server in
            let client = try await RawClient.connect(port: server.port)
            // Held answers join one send while they stay under 8 KiB; these
            // cross that bound every few requests, then go on after the send.
            let before = try #require(client.dataSegmentsReceived(), "the kernel reports no tcpi_data_segs_in")
            let sizes = (0..<40).map { 100 + ($0 * 997) % 5_000 }
            try await client.send(sizes.map { "GET /big?\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
            for size in sizes {
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.body == [UInt8](repeating: UInt8(ascii: "a") + UInt8(size % 26), count: size))
            }
            // About 100 KB in sends of 8–13 KiB: 12 segments here. Without
            // the bound only the 32-item limit splits it (4 segments).
            let segments = try #require(client.dataSegmentsReceived()) - before
            #expect(segments >= 6, "the answers came in \(segments) segments")
        }
    }

    @Test func aBodyStillStreamingGoesStraightToTheTask() async throws {
        let responder = TwoSpeedResponder()
        try await withServer(responder: responder) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /now HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            // The task runs while the body has not been sent at all.
            #expect(await responder.taskStarted.wait(timeout: .seconds(10)))
            try await client.send("later")
            #expect(try await client.readResponse().text == "no note later")
        }
        #expect(responder.calls.all == ["task /now"], "not offered: the body was not in memory")
    }

    @Test func aClientLeavingRightAfterAHandedOnRequestCancelsItsTask() async throws {
        /// Hands everything on; the task waits until it is cancelled.
        struct Waiting: HTTPImmediateResponder {
            let cancelled = Gate()
            func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? { nil }
            func respond(to request: HTTPRequest) async throws -> HTTPResponse {
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    cancelled.open()
                    throw error
                }
                return .text("not cancelled")
            }
        }
        let responder = Waiting()
        try await withServer(responder: responder) { server in
            let client = try await RawClient.connect(port: server.port)
            // The end of file may reach the server before or after the task
            // starts; either way the task must be cancelled.
            try await client.send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
            client.shutdownWrite()
            #expect(await responder.cancelled.wait(timeout: .seconds(10)), "the handler was not cancelled")
            #expect(try await client.waitForClose())
        }
    }

    // MARK: Through a Router

    @Test func aRouterHandsRequestsToItsImmediateRoutes() async throws {
        let hook = TwoSpeedResponder()
        var router = Router()
        router.on(.post, "/now", responder: hook)
        router.on(.post, "/later", responder: hook)
        router.get("/plain") { _ in .text("plain") }
        #expect(router.answersImmediately)
        try await withServer(responder: router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /now HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            #expect(try await client.readResponse().text == "now")
            try await client.send("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
            #expect(try await client.readResponse().text == "noted on the loop body")
            try await client.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().text == "plain")
            try await client.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 404)
            try await client.send("DELETE /plain HTTP/1.1\r\nHost: x\r\n\r\n")
            let wrongMethod = try await client.readResponse()
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.header("Allow") == "GET, HEAD")
        }
        #expect(hook.calls.all == ["immediate /now", "immediate /later", "task /later"])
    }

    @Test func aRouterAnswersMissingRoutesAndMethodsAtOnce() {
        var router = Router()
        router.on(.post, "/now", responder: TwoSpeedResponder())
        router.get("/plain") { _ in .text("plain") }
        var missing = HTTPRequest(method: .get, target: "/missing")
        #expect(router.respondImmediately(to: &missing)?.status == .notFound)
        var wrongMethod = HTTPRequest(method: .put, target: "/plain")
        let answer = router.respondImmediately(to: &wrongMethod)
        #expect(answer?.status == .methodNotAllowed)
        #expect(answer?.headers["Allow"] == "GET, HEAD")
        var closureRoute = HTTPRequest(method: .get, target: "/plain")
        #expect(router.respondImmediately(to: &closureRoute) == nil, "a closure route runs in its task")
        var head = HTTPRequest(method: .head, target: "/plain")
        #expect(router.respondImmediately(to: &head) == nil, "HEAD finds the GET route, as respond(to:) does")
    }

    @Test func aRouterWithMiddlewareAnswersNothingEarly() async throws {
        let hook = TwoSpeedResponder()
        let seen = Recorder<String>()
        struct Tap: HTTPMiddleware {
            let seen: Recorder<String>
            func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
                seen.append(request.path)
                return try await next.respond(to: request)
            }
        }
        var router = Router()
        router.on(.post, "/now", responder: hook)
        router.use(Tap(seen: seen))
        #expect(!router.answersImmediately)
        var request = HTTPRequest(method: .post, target: "/now")
        #expect(router.respondImmediately(to: &request) == nil)
        try await withServer(responder: router) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /now HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
            #expect(try await client.readResponse().text == "no note hi")
        }
        #expect(seen.all == ["/now"], "the middleware saw the request")
        #expect(hook.calls.all == ["task /now"])
    }

    @Test func aRouterWithoutImmediateRoutesIsNotOffered() {
        var router = Router()
        #expect(!router.answersImmediately, "an empty router")
        router.get("/plain") { _ in .text("plain") }
        #expect(!router.answersImmediately, "closure routes only")
        router.on(.get, prefix: "/hooks/", responder: TwoSpeedResponder())
        #expect(router.answersImmediately, "an immediate prefix route")
        #expect(TwoSpeedResponder().answersImmediately, "the protocol's default")
    }
}
