#if canImport(Glibc)
import Glibc
#endif
import Testing
import Logging
@testable import VendoHTTPServer

@Suite struct SocketAddressTests {
    @Test func parsesIPv4() throws {
        let address = try SocketAddress(host: "127.0.0.1", port: 8080)
        #expect(address.family == AF_INET)
        #expect(address.host == "127.0.0.1")
        #expect(address.port == 8080)
        #expect(address.description == "127.0.0.1:8080")
    }

    @Test func parsesIPv6WithAndWithoutBrackets() throws {
        for host in ["::1", "[::1]"] {
            let address = try SocketAddress(host: host, port: 443)
            #expect(address.isIPv6)
            #expect(address.host == "::1")
            #expect(address.description == "[::1]:443")
        }
    }

    @Test func localhostMeansLoopback() throws {
        #expect(try SocketAddress(host: "localhost", port: 1).host == "127.0.0.1")
    }

    @Test func rejectsNamesAndBadPortsWithAClearMessage() {
        #expect {
            _ = try SocketAddress(host: "example.com", port: 80)
        } throws: { error in
            "\(error)".contains("'example.com' is not a numeric IPv4 or IPv6 address")
        }
        #expect {
            _ = try SocketAddress(host: "127.0.0.1", port: 70_000)
        } throws: { error in
            "\(error)".contains("port 70000 is outside 0...65535")
        }
    }
}

@Suite struct SocketErrorTests {
    @Test func capturesErrnoAndItsTextAtTheFailingCall() throws {
        let first = try Socket.makeListening(address: SocketAddress(host: "127.0.0.1", port: 0), backlog: 8)
        defer { first.close() }
        let port = try first.localAddress().port
        do {
            let second = try Socket.makeListening(address: SocketAddress(host: "127.0.0.1", port: port), backlog: 8)
            second.close()
            Issue.record("binding a port in use should fail")
        } catch {
            #expect(error.errorNumber == EADDRINUSE)
            #expect(error.operation == "bind(127.0.0.1:\(port))")
            #expect(error.description == "bind(127.0.0.1:\(port)) failed: Address already in use (errno \(EADDRINUSE))")
        }
    }

    @Test func serverStartReportsTheSocketError() async throws {
        try await withRouter(routes: { _ in }) { running in
            let clash = HTTPServer(configuration: .init(host: "127.0.0.1", port: running.port), logger: .quiet,
                                   responder: Router())
            #expect {
                try clash.start()
            } throws: { error in
                (error as? SocketError)?.errorNumber == EADDRINUSE
                    && "\(error)".contains("Address already in use")
            }
        }
    }

    @Test func acceptedSocketsAreNonBlockingAndCloseOnExec() async throws {
        let listener = try Socket.makeListening(address: SocketAddress(host: "127.0.0.1", port: 0), backlog: 8)
        defer { listener.close() }
        #expect(fcntl(listener.descriptor.rawValue, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(listener.descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        #expect(try listener.accept() == nil, "no pending connection: accept must not block")
        let client = try await RawClient.connect(port: listener.localAddress().port)
        var accepted: (Socket, SocketAddress)?
        for _ in 0..<500 where accepted == nil {
            accepted = try listener.accept()
            if accepted == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let (socket, peer) = try #require(accepted)
        defer { socket.close() }
        #expect(peer.host == "127.0.0.1")
        #expect(fcntl(socket.descriptor.rawValue, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(socket.descriptor.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        _ = client
    }

    @Test func noDelayIsSetOnRequest() async throws {
        let listener = try Socket.makeListening(address: SocketAddress(host: "127.0.0.1", port: 0), backlog: 8)
        defer { listener.close() }
        let client = try await RawClient.connect(port: listener.localAddress().port)
        var accepted: (Socket, SocketAddress)?
        for _ in 0..<500 where accepted == nil {
            accepted = try listener.accept()
            if accepted == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let (socket, _) = try #require(accepted)
        defer { socket.close() }
        func noDelay() -> Int32 {
            var value: Int32 = -1
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(socket.descriptor.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &value, &length)
            return value
        }
        #expect(noDelay() == 0)
        try socket.setNoDelay()
        #expect(noDelay() != 0)
        _ = client
    }

    @Test func startingAServerIgnoresSIGPIPEForTheProcess() async throws {
        try await withRouter(routes: { _ in }) { _ in
            var current = sigaction()
            sigaction(SIGPIPE, nil, &current)
            #expect(unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
                    == unsafeBitCast(SIG_IGN, to: Int.self))
        }
    }

    @Test func sendToAClosedPeerFailsWithEPIPEInsteadOfKillingTheProcess() async throws {
        let listener = try Socket.makeListening(address: SocketAddress(host: "127.0.0.1", port: 0), backlog: 8)
        defer { listener.close() }
        var client: RawClient? = try await RawClient.connect(port: listener.localAddress().port)
        var accepted: (Socket, SocketAddress)?
        for _ in 0..<500 where accepted == nil {
            accepted = try listener.accept()
            if accepted == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let (socket, _) = try #require(accepted)
        defer { socket.close() }
        client = nil  // closes the peer
        _ = client
        let payload = [UInt8](repeating: 65, count: 4096)
        var sawFailure: SocketError?
        for _ in 0..<200 where sawFailure == nil {
            if case .failed(let error) = payload.withUnsafeBytes({ socket.send($0) }) { sawFailure = error }
            try await Task.sleep(for: .milliseconds(5))
        }
        let failure = try #require(sawFailure)
        #expect(failure.errorNumber == EPIPE || failure.errorNumber == ECONNRESET)
    }
}

@Suite struct ConfigurationTests {
    @Test func defaultsAreTheDocumentedOnes() {
        let configuration = HTTPServer.Configuration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.backlog == 512)
        #expect(configuration.maxConnections == 1024)
        #expect(configuration.timeouts.headerRead == .seconds(10))
        #expect(configuration.timeouts.bodyRead == .seconds(30))
        #expect(configuration.timeouts.idle == .seconds(5))
        #expect(configuration.timeouts.write == .seconds(30))
        #expect(configuration.timeouts.lingeringClose == .seconds(2))
        #expect(configuration.shutdownGracePeriod == .seconds(10))
        #expect(configuration.limits.maxBodySize == 1 << 20)
    }

    @Test(arguments: [
        (HTTPServer.Configuration(port: -1), "port -1 is outside 0...65535"),
        (HTTPServer.Configuration(maxConnections: 0), "maxConnections must be at least 1"),
        (HTTPServer.Configuration(backlog: 0), "backlog must be at least 1"),
        (HTTPServer.Configuration(timeouts: .init(idle: .zero)), "timeouts.idle must be positive"),
    ])
    func invalidValuesAreRefusedAtStart(configuration: HTTPServer.Configuration, message: String) {
        let server = HTTPServer(configuration: configuration, logger: .quiet, responder: Router())
        #expect {
            try server.start()
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func startingTwiceIsRefused() async throws {
        try await withRouter(routes: { _ in }) { server in
            #expect(throws: HTTPServerError("the server was already started")) { try server.start() }
        }
    }
}
