/// The request-target split into the parts handlers use (RFC 9112 §3.2).
struct RequestTarget {
    var raw: String
    var path: String
    var query: String?
    /// host[:port] of an absolute-form or authority-form target.
    var authority: String?

    /// Classifies and validates a target: origin-form (`/path?query`),
    /// absolute-form (`http://host/path`), authority-form (`host:port`, only
    /// for CONNECT) or asterisk-form (`*`, only for OPTIONS).
    static func parse(_ t: UnsafeBufferPointer<UInt8>, method: HTTPMethod) throws(HTTPParseError) -> RequestTarget {
        guard !t.isEmpty else {
            throw .badRequest("The request line must separate its parts with single spaces")
        }
        for b in t where !ASCII.isTargetChar(b) {
            throw .badRequest(describeBadTargetByte(b))
        }
        let raw = String(decoding: t, as: UTF8.self)
        if method == .connect {
            // CONNECT names a tunnel endpoint, never a path.
            guard Authority.isValidHostAndPort(t, requirePort: true) else {
                throw .badRequest("CONNECT requires an authority-form target: host:port")
            }
            return RequestTarget(raw: raw, path: "", query: nil, authority: raw)
        }
        if t[0] == ASCII.slash {
            let (path, query) = splitQuery(t, from: 0)
            return RequestTarget(raw: raw, path: path ?? raw, query: query, authority: nil)
        }
        if t.count == 1, t[0] == UInt8(ascii: "*") {
            guard method == .options else {
                throw .badRequest("The * target is only allowed with OPTIONS")
            }
            return RequestTarget(raw: raw, path: "*", query: nil, authority: nil)
        }
        return try parseAbsoluteForm(t, raw: raw)
    }

    /// `http://[userinfo@]host[:port][/path][?query]` (or https).
    private static func parseAbsoluteForm(
        _ t: UnsafeBufferPointer<UInt8>, raw: String
    ) throws(HTTPParseError) -> RequestTarget {
        var schemeEnd = 0
        while schemeEnd < t.count, t[schemeEnd] != ASCII.colon {
            schemeEnd += 1
        }
        let scheme = UnsafeBufferPointer(rebasing: t[0..<schemeEnd])
        guard ASCII.matches(scheme, lowercase: "http") || ASCII.matches(scheme, lowercase: "https") else {
            throw .badRequest("The request target must be a path starting with /, or an absolute http(s) URI")
        }
        let authorityStart = schemeEnd + 3
        guard authorityStart <= t.count, t[schemeEnd + 1] == ASCII.slash, t[schemeEnd + 2] == ASCII.slash else {
            throw .badRequest("An absolute request target must be http://host/path")
        }
        var authorityEnd = authorityStart
        while authorityEnd < t.count, t[authorityEnd] != ASCII.slash, t[authorityEnd] != ASCII.question {
            authorityEnd += 1
        }
        // Userinfo is deprecated in http URIs; drop it from the authority we expose.
        var hostStart = authorityStart
        for i in authorityStart..<authorityEnd where t[i] == ASCII.at {
            hostStart = i + 1
        }
        let userinfo = UnsafeBufferPointer(rebasing: t[authorityStart..<max(authorityStart, hostStart - 1)])
        let hostPort = UnsafeBufferPointer(rebasing: t[hostStart..<authorityEnd])
        guard !hostPort.isEmpty, hostPort[0] != ASCII.colon,
            Authority.isValidUserinfo(userinfo),
            Authority.isValidHostAndPort(hostPort, requirePort: false)
        else {
            throw .badRequest("The request target's host is not a valid host[:port]")
        }
        let authority = String(decoding: hostPort, as: UTF8.self)
        if authorityEnd == t.count {
            return RequestTarget(raw: raw, path: "/", query: nil, authority: authority)
        }
        let (pathPart, query) = splitQuery(t, from: authorityEnd)
        let path = pathPart ?? String(decoding: UnsafeBufferPointer(rebasing: t[authorityEnd...]), as: UTF8.self)
        return RequestTarget(raw: raw, path: path.isEmpty ? "/" : path, query: query, authority: authority)
    }

    /// Splits `t[from...]` at the first `?`. The path is nil when there is no
    /// query and the caller can reuse a string it already has.
    private static func splitQuery(_ t: UnsafeBufferPointer<UInt8>, from start: Int) -> (String?, String?) {
        var i = start
        while i < t.count {
            if t[i] == ASCII.question {
                let path = String(decoding: UnsafeBufferPointer(rebasing: t[start..<i]), as: UTF8.self)
                let query = String(decoding: UnsafeBufferPointer(rebasing: t[(i + 1)...]), as: UTF8.self)
                return (path, query)
            }
            i += 1
        }
        return (start == 0 ? nil : String(decoding: UnsafeBufferPointer(rebasing: t[start...]), as: UTF8.self), nil)
    }

    private static func describeBadTargetByte(_ b: UInt8) -> String {
        switch b {
        case ASCII.hash: return "The request target must not contain a fragment (#)"
        case ASCII.sp: return "The request line must separate its parts with single spaces"
        case 0x80...: return "The request target must be ASCII; percent-encode other bytes"
        default: return "The request target must not contain control characters"
        }
    }
}

/// Host and authority syntax (RFC 3986 §3.2, RFC 9110 §7.2).
enum Authority {
    /// `uri-host [ ":" port ]`: reg-name, IPv4 or `[IP-literal]`, then an
    /// optional decimal port. An empty value is valid for `Host` (RFC 9110
    /// §7.2 lets a client send an empty Host when the URI has no authority).
    static func isValidHostAndPort(_ b: UnsafeBufferPointer<UInt8>, requirePort: Bool) -> Bool {
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "[") {
            i += 1
            let start = i
            while i < b.count, b[i] != UInt8(ascii: "]") {
                guard ASCII.isRegNameChar(b[i]) || b[i] == ASCII.colon else { return false }
                i += 1
            }
            guard i < b.count, i > start else { return false }
            i += 1  // "]"
        } else {
            while i < b.count, b[i] != ASCII.colon {
                if b[i] == ASCII.percent {
                    guard i + 2 < b.count, ASCII.hexValue(b[i + 1]) != nil, ASCII.hexValue(b[i + 2]) != nil else {
                        return false
                    }
                    i += 3
                    continue
                }
                guard ASCII.isRegNameChar(b[i]) else { return false }
                i += 1
            }
            if requirePort, i == 0 { return false }
        }
        if i == b.count { return !requirePort }
        guard b[i] == ASCII.colon else { return false }
        i += 1
        if requirePort, i == b.count { return false }
        while i < b.count {
            guard ASCII.isDigit(b[i]) else { return false }
            i += 1
        }
        return true
    }

    /// `*( unreserved / pct-encoded / sub-delims / ":" )`.
    static func isValidUserinfo(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in b where !(ASCII.isRegNameChar(c) || c == ASCII.colon || c == ASCII.percent) {
            return false
        }
        return true
    }
}
