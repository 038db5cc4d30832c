/// The request line (RFC 9112 §3): `method SP request-target SP HTTP-version`,
/// single spaces, nothing else.
struct RequestLine {
    var method: HTTPMethod
    var version: HTTPVersion
    var target: RequestTarget

    /// Parses one request line, without its CRLF.
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> RequestLine {
        let count = line.count
        var methodEnd = 0
        while methodEnd < count, line[methodEnd] != ASCII.sp {
            guard ASCII.isTokenChar(line[methodEnd]) else {
                throw .badRequest(
                    line[methodEnd] == ASCII.htab
                        ? "The request line must separate its parts with single spaces, not tabs"
                        : "The request method must be a token (letters, digits and !#$%&'*+-.^_`|~)")
            }
            methodEnd += 1
        }
        guard methodEnd > 0 else {
            throw .badRequest("The request line must start with a method")
        }
        guard methodEnd < count else {
            throw .badRequest("The request line must be: METHOD SP target SP HTTP/1.1")
        }
        // The version is everything after the last space; the target sits
        // between, so a space inside the target shows up as an invalid target.
        var versionStart = count
        while versionStart > methodEnd + 1, line[versionStart - 1] != ASCII.sp {
            versionStart -= 1
        }
        guard versionStart > methodEnd + 1 else {
            throw .badRequest("The request line must be: METHOD SP target SP HTTP/1.1")
        }
        let version = try parseVersion(UnsafeBufferPointer(rebasing: line[versionStart..<count]))
        let method = makeMethod(UnsafeBufferPointer(rebasing: line[0..<methodEnd]))
        let targetBytes = UnsafeBufferPointer(rebasing: line[(methodEnd + 1)..<(versionStart - 1)])
        let target = try RequestTarget.parse(targetBytes, method: method)
        return RequestLine(method: method, version: version, target: target)
    }

    /// `HTTP/1.0` or `HTTP/1.1`; other well-formed versions get 505.
    static func parseVersion(_ v: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        guard v.count == 8, v[0] == UInt8(ascii: "H"), v[1] == UInt8(ascii: "T"), v[2] == UInt8(ascii: "T"),
            v[3] == UInt8(ascii: "P"), v[4] == ASCII.slash, ASCII.isDigit(v[5]), v[6] == UInt8(ascii: "."),
            ASCII.isDigit(v[7])
        else {
            if v.isEmpty {
                throw .badRequest("The request line must end with the HTTP version, after a single space")
            }
            throw .badRequest("The HTTP version must be written HTTP/1.1 or HTTP/1.0 (uppercase, no spaces)")
        }
        switch (v[5], v[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): return .http1_1
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): return .http1_0
        default:
            throw HTTPParseError(
                status: .httpVersionNotSupported, reason: "Only HTTP/1.1 and HTTP/1.0 are supported")
        }
    }

    /// Avoids building a String for the common methods.
    @inline(__always)
    static func makeMethod(_ bytes: UnsafeBufferPointer<UInt8>) -> HTTPMethod {
        switch bytes.count {
        case 3:
            if bytes[0] == UInt8(ascii: "G"), bytes[1] == UInt8(ascii: "E"), bytes[2] == UInt8(ascii: "T") {
                return .get
            }
            if bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "U"), bytes[2] == UInt8(ascii: "T") {
                return .put
            }
        case 4:
            if bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "O"), bytes[2] == UInt8(ascii: "S"),
                bytes[3] == UInt8(ascii: "T")
            {
                return .post
            }
            if bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "E"), bytes[2] == UInt8(ascii: "A"),
                bytes[3] == UInt8(ascii: "D")
            {
                return .head
            }
        default:
            break
        }
        return HTTPMethod(rawValue: String(decoding: bytes, as: UTF8.self))
    }
}
