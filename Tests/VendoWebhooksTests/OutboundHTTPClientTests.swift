import Foundation
import Logging
import Synchronization
import Testing
import VendoHTTPServer

@testable import VendoWebhooks

/// The outbound client against real servers on loopback: ours, and a raw
/// socket server for answers ours would never give.
@Suite struct OutboundHTTPClientTests {
    private func url(_ port: Int, _ path: String = "/") throws -> OutboundURL {
        try OutboundURL("http://127.0.0.1:\(port)\(path)")
    }

    private func client(timeout: Duration = .seconds(30), maxBody: Int = 1024 * 1024) -> OutboundHTTPClient {
        var configuration = OutboundHTTPClient.Configuration(timeout: timeout)
        configuration.maxResponseBodyBytes = maxBody
        return OutboundHTTPClient(configuration: configuration)
    }

    @Test func postsAndReadsTheAnswerFromOurServer() async throws {
        let seen = Recorder<(method: String, target: String, headers: HTTPHeaders, body: [UInt8])>()
        let target = ClosureResponder { request in
            seen.append((request.method.rawValue, request.target, request.headers, try await request.body.collect()))
            return HTTPResponse(status: .created, headers: ["X-Answer": "42"], body: .bytes(Array("made it".utf8)))
        }
        try await withLoopbackServer(target) { port in
            let body = Array(#"{"a":"é"}"#.utf8)
            let response = try await client().send(
                method: "POST", url: try url(port, "/in?x=1"), headers: [("X-Custom", "v 1")], body: body)
            #expect(response.status == 201)
            #expect(response.header("x-answer") == "42")
            #expect(response.body == Array("made it".utf8))
            let request = try #require(seen.all.first)
            #expect(request.method == "POST")
            #expect(request.target == "/in?x=1")
            #expect(request.body == body)
            #expect(request.headers["X-Custom"] == "v 1")
            #expect(request.headers["Host"] == "127.0.0.1:\(port)")
            #expect(request.headers["Connection"] == "close")
            #expect(request.headers["User-Agent"] == "vendo-webhooks")
            #expect(request.headers["Content-Length"] == "\(body.count)")
        }
    }

    @Test func non2xxIsReturnedNotThrown() async throws {
        let target = ClosureResponder { _ in .text("down", status: HTTPStatus(code: 503)) }
        try await withLoopbackServer(target) { port in
            let response = try await client().send(method: "GET", url: try url(port))
            #expect(response.status == 503)
            #expect(String(decoding: response.body, as: UTF8.self) == "down")
        }
    }

    @Test func aLargeBodyIsWrittenWhole() async throws {
        let target = ClosureResponder { request in .text("\(try await request.body.collect().count)") }
        try await withLoopbackServer(target, maxBodySize: 8 * 1024 * 1024) { port in
            let body = [UInt8](repeating: UInt8(ascii: "x"), count: 3 * 1024 * 1024)
            let response = try await client().send(method: "POST", url: try url(port), body: body)
            #expect(String(decoding: response.body, as: UTF8.self) == "\(body.count)")
        }
    }

    @Test func chunkedAnswerArrivingInPieces() async throws {
        let release = Atomic<Bool>(false)
        let closedByBackstop = Atomic<Bool>(false)
        let server = try ScriptedServer { fd, _ in
            writeAll(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n")
            for piece in ["5;ext=1\r\nhel", "lo\r\n", "6\r\n world\r\n", "0\r\nX-Trailer: t\r\n", "\r\n"] {
                writeAll(fd, piece)
                usleep(20_000)
            }
            // The connection stays open until the test has its answer (60 s backstop):
            // the chunked framing alone must end the response.
            for _ in 0..<600 where !release.load(ordering: .relaxed) { usleep(100_000) }
            closedByBackstop.store(!release.load(ordering: .relaxed), ordering: .relaxed)
        }
        defer {
            release.store(true, ordering: .relaxed)
            server.stop()
        }
        let response = try client(timeout: .seconds(120)).sendBlocking(method: "GET", url: try url(server.port))
        let backstopClosed = closedByBackstop.load(ordering: .relaxed)
        #expect(!backstopClosed, "ended by the last chunk, not by the close")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello world")
    }

    @Test func bodyEndedByTheClose() throws {
        let server = try ScriptedServer { fd, _ in
            writeAll(fd, "HTTP/1.0 200 OK\r\n\r\nuntil")
            usleep(20_000)
            writeAll(fd, " the end")
        }
        defer { server.stop() }
        let response = try client().sendBlocking(method: "GET", url: try url(server.port))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "until the end")
    }

    @Test func interimResponsesAreSkipped() throws {
        let server = try ScriptedServer { fd, _ in
            writeAll(fd, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok")
        }
        defer { server.stop() }
        let response = try client().sendBlocking(method: "POST", url: try url(server.port), body: [1])
        #expect(response.status == 202)
        #expect(response.reason == "Accepted")
        #expect(response.body == Array("ok".utf8))
    }

    @Test func refusedConnectionIsAConnectError() throws {
        let closed = try RefusingPort()
        #expect {
            try client().sendBlocking(method: "GET", url: try url(closed.port))
        } throws: { error in
            guard case .connectFailed(let address, let reason)? = error as? OutboundHTTPError else { return false }
            return address == "127.0.0.1:\(closed.port)" && reason.contains("refused")
        }
    }

    @Test func silentServerTimesOut() async throws {
        let release = Atomic<Bool>(false)
        let server = try ScriptedServer { _, _ in
            // Never answers; held until the test ends (at most 60 s as a backstop).
            for _ in 0..<600 where !release.load(ordering: .relaxed) { usleep(100_000) }
        }
        defer {
            release.store(true, ordering: .relaxed)
            server.stop()
        }
        let started = ContinuousClock.now
        await #expect(throws: OutboundHTTPError.timedOut(
            phase: "waiting for a response from", address: "127.0.0.1:\(server.port)", after: .milliseconds(300))
        ) {
            try await client(timeout: .milliseconds(300)).send(method: "GET", url: try url(server.port))
        }
        #expect(ContinuousClock.now - started < .seconds(30), "ended by the timeout, not by the backstop")
    }

    @Test func cancellingTheTaskEndsTheExchange() async throws {
        let release = Atomic<Bool>(false)
        let server = try ScriptedServer { _, _ in
            for _ in 0..<600 where !release.load(ordering: .relaxed) { usleep(100_000) }
        }
        defer {
            release.store(true, ordering: .relaxed)
            server.stop()
        }
        let target = try url(server.port)
        let task = Task { try await client(timeout: .seconds(60)).send(method: "GET", url: target) }
        #expect(await waitUntil { server.requests.count == 1 })
        task.cancel()
        await #expect(throws: OutboundHTTPError.cancelled) { try await task.value }
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", "the response body is over 1000 bytes"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + String(repeating: "a", count: 1000) + "\r\n1\r\nb\r\n0\r\n\r\n",
         "the response body is over 1000 bytes"),
        ("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "c", count: 1500), "the response body is over 1000 bytes"),
        ("HTTP/1.1 200 OK\r\n" + String(repeating: "X-Pad: 0123456789\r\n", count: 4000), "the response head is over 65536 bytes"),
    ])
    func oversizedAnswersAreRefused(answer: String, detail: String) throws {
        let server = try ScriptedServer { fd, _ in writeAll(fd, answer) }
        defer { server.stop() }
        #expect(throws: OutboundHTTPError.responseTooLarge(address: "127.0.0.1:\(server.port)", detail: detail)) {
            try client(maxBody: 1000).sendBlocking(method: "GET", url: try url(server.port))
        }
    }

    @Test(arguments: [
        ("", "the connection closed without a response"),
        ("SSH-2.0-OpenSSH\r\n\r\n", "the status line is 'SSH-2.0-OpenSSH'"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "the connection closed 5 bytes before the end of the body"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx", "Content-Length '1,2' is not one non-negative number"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "the chunk size 'zz' is not a hex number"),
    ])
    func malformedAnswersAreExplained(answer: String, reason: String) throws {
        let server = try ScriptedServer { fd, _ in writeAll(fd, answer) }
        defer { server.stop() }
        #expect {
            try client().sendBlocking(method: "GET", url: try url(server.port))
        } throws: { error in
            guard case .malformedResponse(_, let actual)? = error as? OutboundHTTPError else { return false }
            return actual.contains(reason)
        }
    }

    @Test func hostNamesResolveAndFallBackAcrossAddresses() async throws {
        // "localhost" may resolve to ::1 first; the server listens on 127.0.0.1 only,
        // so this also exercises trying the next address after a refusal.
        let target = ClosureResponder { request in .text(request.headers["Host"] ?? "") }
        try await withLoopbackServer(target) { port in
            let response = try await client().send(method: "GET", url: try OutboundURL("http://localhost:\(port)/"))
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "localhost:\(port)")
        }
        #expect(throws: OutboundHTTPError.self) {
            try client().sendBlocking(method: "GET", url: try OutboundURL("http://no-such-host.invalid/"))
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/net/if_inet6"), "needs IPv6 loopback"))
    func ipv6Literals() async throws {
        let target = ClosureResponder { request in .text(request.headers["Host"] ?? "") }
        let server = HTTPServer(
            configuration: .init(host: "::1", port: 0), logger: .init(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }),
            responder: target)
        do { try server.start() } catch { return }  // no usable ::1 here
        let response = try await client().send(method: "GET", url: try OutboundURL("http://[::1]:\(server.port)/"))
        await server.shutdown()
        #expect(String(decoding: response.body, as: UTF8.self) == "[::1]:\(server.port)")
    }

    @Test func headerInjectionIsRefusedBeforeConnecting() {
        let closed = try! RefusingPort()
        #expect(throws: OutboundHTTPError.self) {
            try client().sendBlocking(method: "GET", url: try url(closed.port), headers: [("X-A", "1\r\nX-Evil: 2")])
        }
        #expect(throws: OutboundHTTPError.invalidRequest("the header 'Content-Length' is set by the client itself")) {
            try client().sendBlocking(method: "GET", url: try url(closed.port), headers: [("Content-Length", "1")])
        }
        #expect(throws: OutboundHTTPError.invalidRequest("the method 'get it' is not an upper-case token such as POST")) {
            try client().sendBlocking(method: "get it", url: try url(closed.port))
        }
    }
}
