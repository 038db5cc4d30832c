/// Turns a response head into bytes, and frames streamed body chunks.
///
/// The server owns the framing headers: `Content-Length`,
/// `Transfer-Encoding` and `Connection` from the handler are skipped and the
/// right ones written here, so a response always has exactly one framing.
/// `Date` is added unless the handler set one.
enum ResponseSerializer {
    /// How the body that follows the head is delimited.
    enum Framing: Equatable {
        /// `Content-Length: n` (the body may still be omitted, for HEAD).
        case length(Int)
        /// `Transfer-Encoding: chunked`.
        case chunked
        /// No length: the body ends when the connection closes (HTTP/1.0 streams).
        case closeDelimited
        /// No body and no length header (1xx, 204, 304, HEAD of a stream).
        case none
    }

    /// The `Connection` header to write.
    enum ConnectionHeader {
        /// Write none (HTTP/1.1 persistent).
        case omit
        /// `Connection: close`.
        case close
        /// `Connection: keep-alive` (an HTTP/1.0 client that asked for it).
        case keepAlive
    }

    /// A response head with a header that would break the framing.
    struct InvalidHeader: Error {
        /// The offending header's name, or `":status"` for the reason phrase.
        let name: String
    }

    /// Appends the status line and headers, ending with the empty line.
    /// On an invalid header nothing is appended and `InvalidHeader` is thrown.
    static func appendHead(status: HTTPStatus, headers: HTTPHeaders, framing: Framing,
                           connection: ConnectionHeader, to out: inout [UInt8]) throws(InvalidHeader) {
        let start = out.count
        appendStatusLine(status, to: &out)
        var hasDate = false
        for (name, value) in headers {
            switch classify(name) {
            case .managed:
                continue
            case .date:
                hasDate = true
            case .invalid:
                out.removeSubrange(start...)
                throw InvalidHeader(name: name)
            case .other:
                break
            }
            guard isValidValue(value) else {
                out.removeSubrange(start...)
                throw InvalidHeader(name: name)
            }
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ":"))
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: value.utf8)
            out.append(0x0D)
            out.append(0x0A)
        }
        if !hasDate {
            out.append(contentsOf: "Date: ".utf8)
            HTTPDate.append(to: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        switch framing {
        case .length(let length):
            out.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(length, to: &out)
            out.append(0x0D)
            out.append(0x0A)
        case .chunked:
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        case .closeDelimited, .none:
            break
        }
        switch connection {
        case .omit: break
        case .close: out.append(contentsOf: "Connection: close\r\n".utf8)
        case .keepAlive: out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// `HTTP/1.1 100 Continue`, sent before the body of an `Expect: 100-continue` request.
    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// The chunk that ends a chunked body (no trailers).
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// Appends one chunk: size in hex, CRLF, the bytes, CRLF. Never call with
    /// an empty array (that would be the last chunk).
    static func appendChunk(_ bytes: [UInt8], to out: inout [UInt8]) {
        appendHex(bytes.count, to: &out)
        out.append(0x0D)
        out.append(0x0A)
        out.append(contentsOf: bytes)
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Whether a response with this status may carry a body at all.
    static func statusAllowsBody(_ code: Int) -> Bool {
        code >= 200 && code != 204 && code != 304
    }

    private static func appendStatusLine(_ status: HTTPStatus, to out: inout [UInt8]) {
        let code = (100...999).contains(status.code) ? status.code : 500
        switch code {
        case 200 where isStandardPhrase(status, "OK"):
            out.append(contentsOf: "HTTP/1.1 200 OK\r\n".utf8)
            return
        default:
            break
        }
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(code, to: &out)
        out.append(UInt8(ascii: " "))
        // A phrase that could break the line falls back to the standard one.
        let phrase = isValidValue(status.reasonPhrase) && code == status.code
            ? status.reasonPhrase : (HTTPStatus.standardReasonPhrase(for: code) ?? "")
        out.append(contentsOf: phrase.utf8)
        out.append(0x0D)
        out.append(0x0A)
    }

    private static func isStandardPhrase(_ status: HTTPStatus, _ phrase: String) -> Bool {
        status.reasonPhrase == phrase
    }

    private enum NameClass { case managed, date, invalid, other }

    /// Sorts a header name: framing headers are the server's, `Date` may
    /// replace ours, and anything that is not a token is refused.
    private static func classify(_ name: String) -> NameClass {
        var name = name
        return name.withUTF8 { bytes -> NameClass in
            if bytes.isEmpty { return .invalid }
            for byte in bytes where !ASCII.isTokenChar(byte) { return .invalid }
            if ASCII.matches(bytes, lowercase: "content-length")
                || ASCII.matches(bytes, lowercase: "transfer-encoding")
                || ASCII.matches(bytes, lowercase: "connection") {
                return .managed
            }
            if ASCII.matches(bytes, lowercase: "date") { return .date }
            return .other
        }
    }

    /// No CR, LF, NUL or other control character except HTAB.
    static func isValidValue(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            for byte in bytes where !ASCII.isFieldValueChar(byte) { return false }
            return true
        }
    }

    /// Whether a `Connection` header in `headers` lists the `close` token.
    static func requestsClose(_ headers: HTTPHeaders) -> Bool {
        for value in headers.values(for: "Connection") {
            for token in value.split(separator: ",") {
                let trimmed = token.drop(while: { $0 == " " || $0 == "\t" })
                    .reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
                if String(trimmed).lowercased() == "close" { return true }
            }
        }
        return false
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                out.append(buffer[index])
            }
        }
    }

    private static func appendHex(_ value: Int, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        var shift = 60
        while shift > 0 && (value >> shift) & 0xF == 0 { shift -= 4 }
        while shift >= 0 {
            out.append(hex.utf8Start[(value >> shift) & 0xF])
            shift -= 4
        }
    }
}
