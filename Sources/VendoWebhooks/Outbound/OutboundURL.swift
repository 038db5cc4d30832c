/// The parts of a plain `http://` URL an outbound request needs.
///
/// Parsed here rather than with `URLComponents`, which is not in
/// FoundationEssentials. Only `http://` is accepted: the endpoint links no TLS
/// library (it would cost more memory than the whole server); `https://`
/// gets an error that says what to do instead.
package struct OutboundURL: Sendable, Equatable {
    /// The host as resolved: a name, an IPv4 literal, or an IPv6 literal without brackets.
    package var host: String
    /// The TCP port (80 when the URL names none).
    package var port: Int
    /// Path and query as written (`/` when empty): the request-target.
    package var requestTarget: String
    /// The `Host` header value: the host (IPv6 bracketed) and any explicit port.
    package var hostHeader: String

    /// `host:port` (IPv6 bracketed), for messages.
    package var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `http://host[:port][/path][?query][#fragment]`; the fragment is dropped.
    /// - Throws: ``OutboundHTTPError/invalidURL(_:)`` saying what is wrong.
    package init(_ text: String) throws(OutboundHTTPError) {
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw .invalidURL("'\(text)' is not an absolute URL; expected e.g. http://127.0.0.1:8080/webhooks")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" else {
            if scheme == "https" {
                throw .invalidURL(
                    "'\(text)': https:// is not supported (vendo-webhooks has no TLS client); forward over http:// to the app on the private network or loopback (e.g. http://127.0.0.1:3000/hooks), or run a TLS sidecar that accepts http:// and sends https (see docs/webhooks.md)")
            }
            throw .invalidURL("'\(text)': unsupported scheme '\(scheme)'; expected http://")
        }
        var rest = text[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let target = rest[authorityEnd...]
        guard !authority.contains("@") else {
            throw .invalidURL("'\(text)': credentials in the URL are not supported; send them as a header")
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidURL("'\(text)': the IPv6 address has no closing ']'")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .invalidURL("'\(text)': unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .invalidURL("'\(text)' has no host; expected e.g. http://127.0.0.1:8080/") }
        guard !host.contains(where: { $0.isWhitespace || $0 == "%" && !authority.hasPrefix("[") }) else {
            throw .invalidURL("'\(text)': the host contains characters a host name cannot have")
        }
        var port = 80
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value), portText.allSatisfy(\.isASCII) else {
                throw .invalidURL("'\(text)': the port must be a number from 1 to 65535")
            }
            port = value
        }
        guard !target.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false) }) else {
            throw .invalidURL("'\(text)': the path contains spaces or control characters; percent-encode them")
        }
        self.host = String(host)
        self.port = port
        self.requestTarget = target.isEmpty ? "/" : (target.hasPrefix("?") ? "/" + target : String(target))
        let shown = host.contains(":") ? "[\(host)]" : String(host)
        self.hostHeader = portText == nil ? shown : "\(shown):\(port)"
    }
}
