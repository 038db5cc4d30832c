import Testing

@testable import VendoWebhooks

@Suite struct OutboundURLTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/hooks?a=1#frag", "127.0.0.1", 8080, "/hooks?a=1", "127.0.0.1:8080"),
        ("http://app/", "app", 80, "/", "app"),
        ("HTTP://App.Internal", "App.Internal", 80, "/", "App.Internal"),
        ("http://[::1]:9000/x", "::1", 9000, "/x", "[::1]:9000"),
        ("http://[fe80::1%25eth0]/", "fe80::1%25eth0", 80, "/", "[fe80::1%25eth0]"),
        ("http://h?q=1", "h", 80, "/?q=1", "h"),
    ])
    func parses(text: String, host: String, port: Int, target: String, hostHeader: String) throws {
        let url = try OutboundURL(text)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.requestTarget == target)
        #expect(url.hostHeader == hostHeader)
    }

    @Test(arguments: [
        ("https://app/hooks", "https:// is not supported (vendo-webhooks has no TLS client)"),
        ("ftp://app/", "unsupported scheme 'ftp'"),
        ("app:80/x", "is not an absolute URL"),
        ("http:///x", "has no host"),
        ("http://:80/", "has no host"),
        ("http://h:0/", "the port must be a number from 1 to 65535"),
        ("http://h:65536/", "the port must be a number from 1 to 65535"),
        ("http://h:8o/", "the port must be a number from 1 to 65535"),
        ("http://user:pw@h/", "credentials in the URL are not supported"),
        ("http://[::1/", "no closing ']'"),
        ("http://h/a b", "percent-encode them"),
        ("http://h o/", "the host contains characters"),
    ])
    func refuses(text: String, reason: String) {
        #expect {
            try OutboundURL(text)
        } throws: { error in
            guard case .invalidURL(let message)? = error as? OutboundHTTPError else { return false }
            return message.contains(reason) && message.contains(text)
        }
    }
}
