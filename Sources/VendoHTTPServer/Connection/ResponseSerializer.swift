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
                           connection: ConnectionHeader, date: inout HTTPDate,
                           to out: inout [UInt8]) throws(InvalidHeader) {
        let start = out.count
        appendStatusLine(status, to: &out)
        var hasDate = false
        var invalidName: String?
        // Bytes in, bytes out: no String per field on the path every response takes.
        headers.forEachFieldBytes { name, value in
            guard invalidName == nil else { return }
            switch classify(name) {
            case .managed:
                return
            case .date:
                hasDate = true
            case .invalid:
                invalidName = String(decoding: name, as: UTF8.self)
                return
            case .other:
                break
            }
            guard ASCII.allFieldValueChars(value) else {
                invalidName = String(decoding: name, as: UTF8.self)
                return
            }
            out.append(contentsOf: name)
            out.append(UInt8(ascii: ":"))
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: value)
            out.append(0x0D)
            out.append(0x0A)
        }
        if let invalidName {
            out.removeSubrange(start...)
            throw InvalidHeader(name: invalidName)
        }
        if !hasDate {
            append("Date: ", to: &out)
            date.append(to: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        switch framing {
        case .length(let length):
            append("Content-Length: ", to: &out)
            appendDecimal(length, to: &out)
            out.append(0x0D)
            out.append(0x0A)
        case .chunked:
            append("Transfer-Encoding: chunked\r\n", to: &out)
        case .closeDelimited, .none:
            break
        }
        switch connection {
        case .omit: break
        case .close: append("Connection: close\r\n", to: &out)
        case .keepAlive: append("Connection: keep-alive\r\n", to: &out)
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Appends a literal's bytes (one copy; appending a `String.UTF8View` goes
    /// through the generic sequence path).
    @inline(__always)
    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
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
            append("HTTP/1.1 200 OK\r\n", to: &out)
            return
        default:
            break
        }
        append("HTTP/1.1 ", to: &out)
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
    private static func classify(_ name: UnsafeBufferPointer<UInt8>) -> NameClass {
        if name.isEmpty { return .invalid }
        for byte in name where !ASCII.isTokenChar(byte) { return .invalid }
        switch name.count {
        case 14 where ASCII.matches(name, lowercase: "content-length"): return .managed
        case 17 where ASCII.matches(name, lowercase: "transfer-encoding"): return .managed
        case 10 where ASCII.matches(name, lowercase: "connection"): return .managed
        case 4 where ASCII.matches(name, lowercase: "date"): return .date
        default: return .other
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
