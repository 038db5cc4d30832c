import Testing
@testable import VendoHTTPServer

@Suite struct ConnectionLimitTests {
    @Test func beyondTheLimitClientsWaitAndAreServedOnceOthersClose() async throws {
        try await withRouter(.test(maxConnections: 2), routes: { $0.get("/") { _ in .text("ok") } }) { server in
            var first: RawClient? = try await RawClient.connect(port: server.port)
            let second = try await RawClient.connect(port: server.port)
            for client in [first!, second] {
                try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse().status == 200)
            }
            #expect(server.connectionCount == 2)

            // The kernel completes the handshake, but the server does not accept.
            let third = try await RawClient.connect(port: server.port)
            try await third.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await third.readAvailable(for: .milliseconds(500)).isEmpty)
            #expect(server.connectionCount == 2)

            first = nil  // closing one makes room
            _ = first
            let response = try await third.readResponse()
            #expect(response.status == 200)
            #expect(server.connectionCount == 2)
        }
    }
}

@Suite struct ConnectionBookkeepingTests {
    @Test func closedConnectionsAreForgotten() async throws {
        try await withRouter(routes: { $0.get("/") { _ in .text("ok") } }) { server in
            for _ in 0..<50 {
                let client = try await RawClient.connect(port: server.port)
                try await client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                #expect(try await client.readResponse().status == 200)
            }
            #expect(await eventually { server.connectionCount == 0 })
        }
    }
}
