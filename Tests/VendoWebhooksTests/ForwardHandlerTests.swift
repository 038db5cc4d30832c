import Foundation
import Testing
import Vendo
import VendoHTTPServer

@testable import VendoWebhooks

/// ForwardHandler against our own server on 127.0.0.1:0.
@Suite struct ForwardHandlerTests {
    private struct Captured: Sendable {
        var method: String
        var path: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private func delivery(_ body: [UInt8] = Array(#"{"id":"evt_f","type":"connection.connected","data":{}}"#.utf8)) -> WebhookDelivery {
        WebhookDelivery(
            id: "evt_f", type: "connection.connected", rawBody: body, provider: "telegram", connectionID: "conn_3",
            dedupeKey: "evt_f")
    }

    @Test func postsTheRawBodyWithTheEventHeaders() async throws {
        let captured = Recorder<Captured>()
        let target = ClosureResponder { request in
            captured.append(Captured(
                method: request.method.rawValue, path: request.target, headers: request.headers,
                body: try await request.body.collect()))
            return .text("thanks", status: .accepted)
        }
        try await withLoopbackServer(target) { port in
            let handler = try ForwardHandler(
                url: URL(string: "http://127.0.0.1:\(port)/inbox?x=1")!, extraHeaders: [(name: "Authorization", value: "Bearer t")])
            let body = Array(#"{"id":"evt_f","type":"connection.connected","data":{"text":"héllo \u0000"}}"#.utf8) + [0x20, 0x0A]
            try await handler.handle(delivery(body))
            let request = try #require(captured.all.first)
            #expect(request.method == "POST")
            #expect(request.path == "/inbox?x=1")
            #expect(request.body == body)
            #expect(request.headers["Content-Type"] == "application/json")
            #expect(request.headers["Vendo-Event-Id"] == "evt_f")
            #expect(request.headers["Vendo-Event-Type"] == "connection.connected")
            #expect(request.headers["X-Vendo-Provider"] == "telegram")
            #expect(request.headers["X-Vendo-Connection-Id"] == "conn_3")
            #expect(request.headers["Vendo-Dedupe-Key"] == "evt_f")
            #expect(request.headers["Authorization"] == "Bearer t")
            #expect(request.headers["Vendo-Signature"] == nil)
        }
    }

    @Test func non2xxIsAFailure() async throws {
        let target = ClosureResponder { request in
            _ = try await request.body.collect()
            return .text("nope", status: HTTPStatus(code: Int(request.path.dropFirst())!))
        }
        try await withLoopbackServer(target) { port in
            for code in [404, 500, 503, 302] {
                let handler = try ForwardHandler(url: URL(string: "http://127.0.0.1:\(port)/\(code)")!)
                await #expect(throws: ForwardHandlerError.status(code)) { try await handler.handle(delivery()) }
            }
            let ok = try ForwardHandler(url: URL(string: "http://127.0.0.1:\(port)/204")!)
            try await ok.handle(delivery())
        }
    }

    @Test func redirectsAreNotFollowed() async throws {
        let hits = Recorder<String>()
        let target = ClosureResponder { request in
            hits.append(request.path)
            _ = try await request.body.collect()
            if request.path == "/moved" {
                return HTTPResponse(status: HTTPStatus(code: 307), headers: ["Location": "/elsewhere"])
            }
            return .text("reached")
        }
        try await withLoopbackServer(target) { port in
            let handler = try ForwardHandler(url: URL(string: "http://127.0.0.1:\(port)/moved")!)
            await #expect(throws: ForwardHandlerError.status(307)) { try await handler.handle(delivery()) }
            #expect(hits.all == ["/moved"])
        }
    }

    @Test func timeoutFailsQuickly() async throws {
        let release = OneShot<Bool>()
        let target = ClosureResponder { request in
            _ = try await request.body.collect()
            _ = await release.value()
            return .text("late")
        }
        try await withLoopbackServer(target) { port in
            let handler = try ForwardHandler(url: URL(string: "http://127.0.0.1:\(port)/slow")!, timeout: .milliseconds(300))
            // If the timeout did not work, the target answers after 60 s (and the test fails) instead of never.
            let backstop = Task {
                try? await Task.sleep(for: .seconds(60))
                release.fulfill(true)
            }
            defer { backstop.cancel() }
            let started = ContinuousClock.now
            await #expect(throws: ForwardHandlerError.timedOut(after: .milliseconds(300))) { try await handler.handle(delivery()) }
            #expect(ContinuousClock.now - started < .seconds(45), "ended by the target's answer, not the timeout")
            release.fulfill(true)
        }
    }

    @Test func connectionRefusedIsATransportError() async throws {
        let closed = try RefusingPort()
        let handler = try ForwardHandler(url: URL(string: "http://127.0.0.1:\(closed.port)/")!, timeout: .seconds(10))
        do {
            try await handler.handle(delivery())
            Issue.record("expected a failure")
        } catch let error as ForwardHandlerError {
            if case .transport(let reason) = error {
                #expect(reason.contains("cannot connect to 127.0.0.1:\(closed.port)"), "\(reason)")
            } else {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func badURLsAreRefused() {
        #expect(throws: WebhookConfigurationError.self) { try ForwardHandler(url: URL(string: "ftp://x/")!) }
        #expect(throws: WebhookConfigurationError.self) { try ForwardHandler(url: URL(string: "file:///tmp/x")!) }
        #expect(throws: WebhookConfigurationError.self) { try ForwardHandler(url: URL(string: "http://h/")!, timeout: .zero) }
        #expect(throws: WebhookConfigurationError.self) {
            try ForwardHandler(url: URL(string: "http://h/")!, extraHeaders: [(name: "X-A", value: "1\r\nX-B: 2")])
        }
        #expect(throws: WebhookConfigurationError.self) {
            try ForwardHandler(url: URL(string: "http://h/")!, extraHeaders: [(name: "Host", value: "elsewhere")])
        }
    }

    @Test func httpsIsRefusedWithWhatToDoInstead() {
        do {
            _ = try ForwardHandler(url: URL(string: "https://app.example/hooks")!)
            Issue.record("an https:// forward URL was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.contains("https:// is not supported"), "\(message)")
            #expect(message.contains("forward over http:// to the app on the private network or loopback"), "\(message)")
            #expect(message.contains("TLS sidecar"), "\(message)")
        }
    }

    @Test func worksAsAReceiverHandlerEndToEnd() async throws {
        let captured = Recorder<[UInt8]>()
        let target = ClosureResponder { request in
            captured.append(try await request.body.collect())
            return .text("ok")
        }
        try await withLoopbackServer(target) { targetPort in
            var receiver = Fixture.receiver()
            receiver.on("connection.*", handler: try ForwardHandler(url: URL(string: "http://127.0.0.1:\(targetPort)/in")!))
            try await withLoopbackServer(try WebhookEndpoint(receiver: receiver, environment: [:]).responder()) { port in
                let body = Fixture.envelope(id: "evt_chain")
                let response = try await WireConnection(port: port).exchange(signedWirePost(body))
                #expect(response.status == 200)
                #expect(captured.all == [body])
            }
        }
    }
}
