import Testing
@testable import VendoHTTPServer

@Suite struct ListenTests {
    @Test func portZeroReportsTheBoundPort() async throws {
        try await withRouter(routes: { $0.get("/") { _ in .text("hi") } }) { server in
            #expect(server.port > 0 && server.port != 8080)
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "hi")
        }
    }

    @Test func servesOnIPv6Loopback() async throws {
        try await withRouter(.test(host: "::1"), routes: { $0.get("/") { request in .text(request.remoteAddress ?? "") } }) { server in
            #expect(server.host == "::1")
            let client = try await RawClient.connect(port: server.port, host: "::1")
            try await client.send("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text.hasPrefix("[::1]:"), "remote address in brackets: \(response.text)")
        }
    }

    @Test func aSlowHandlerDelaysNobodyElse() async throws {
        let release = Gate()
        try await withRouter(routes: { router in
            router.get("/slow") { _ in
                await release.wait()
                return .text("slow")
            }
            router.get("/fast") { _ in .text("fast") }
        }) { server in
            let slow = try await RawClient.connect(port: server.port)
            try await slow.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            for _ in 0..<3 {
                let fast = try await RawClient.connect(port: server.port)
                try await fast.send("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await fast.readResponse().text == "fast")
            }
            #expect(!release.isOpen)
            release.open()
            #expect(try await slow.readResponse().text == "slow")
        }
    }
}
