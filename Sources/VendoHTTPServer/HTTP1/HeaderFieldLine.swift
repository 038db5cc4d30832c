/// One header (or trailer) field line (RFC 9112 §5):
/// `field-name ":" OWS field-value OWS`.
struct HeaderFieldLine {
    /// Offsets into the line.
    var name: Range<Int>
    var value: Range<Int>

    /// Validates a field line, without its CRLF, and locates name and
    /// trimmed value.
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HeaderFieldLine {
        let count = line.count
        if ASCII.isWhitespace(line[0]) {
            // Either obs-fold (a continuation line) or whitespace before the
            // first header: both are request-smuggling vectors (RFC 9112 §5.2, §2.2).
            throw .badRequest("Header lines must not start with whitespace (line folding is not supported)")
        }
        var colon = 0
        while colon < count, line[colon] != ASCII.colon {
            let b = line[colon]
            guard ASCII.isTokenChar(b) else {
                if ASCII.isWhitespace(b) {
                    throw .badRequest("A header name must be followed directly by a colon, without whitespace")
                }
                if b == ASCII.cr {
                    throw .badRequest("Lines must end with CRLF; found a CR without LF")
                }
                throw .badRequest("A header name must be a token (letters, digits and !#$%&'*+-.^_`|~)")
            }
            colon += 1
        }
        guard colon < count else {
            throw .badRequest("A header line must be name: value")
        }
        guard colon > 0 else {
            throw .badRequest("A header name must not be empty")
        }
        var start = colon + 1
        var end = count
        if !ASCII.allFieldValueChars(UnsafeBufferPointer(rebasing: line[start..<end])) {
            for i in start..<end where !ASCII.isFieldValueChar(line[i]) {
                throw .badRequest(
                    line[i] == ASCII.cr
                        ? "Lines must end with CRLF; found a CR without LF"
                        : "A header value must not contain control characters other than tab")
            }
        }
        while start < end, ASCII.isWhitespace(line[start]) {
            start += 1
        }
        while end > start, ASCII.isWhitespace(line[end - 1]) {
            end -= 1
        }
        return HeaderFieldLine(name: 0..<colon, value: start..<end)
    }
}
