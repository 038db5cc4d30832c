/// What a Transfer-Encoding field value means for framing.
enum TransferEncodingVerdict: Equatable {
    /// `chunked` is the last (and only supported) coding.
    case chunked
    /// Well-formed, but asks for a registered coding we do not decode (501).
    case unsupported
    /// Malformed or ambiguous framing (400), with the reason.
    case invalid(String?)
}

/// Rules for the framing header values (RFC 9112 §6, RFC 9110 §8.6).
enum Framing {
    /// `Content-Length = 1*DIGIT`: no sign, no hex, no spaces inside, no
    /// list; leading zeros read as decimal; overflow is an error.
    static func parseContentLength(_ b: UnsafeBufferPointer<UInt8>) -> Result<Int, HTTPParseError> {
        guard !b.isEmpty else {
            return .failure(.badRequest("Content-Length must not be empty"))
        }
        var value = 0
        for byte in b {
            guard ASCII.isDigit(byte) else {
                return .failure(.badRequest("Content-Length must be a single number of decimal digits"))
            }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte &- 0x30))
            guard !o1, !o2 else {
                return .failure(.badRequest("Content-Length is too large to be a valid length"))
            }
            value = sum
        }
        return .success(value)
    }

    /// Transfer codings registered with IANA that this server could in
    /// principle be asked for but does not decode: a request using them is
    /// well-formed but not implemented (501). Any other name is not a
    /// transfer coding at all (`x-chunked`, `chunkedchunked`, ...) and is a
    /// framing error (400), as is `chunked` anywhere but last.
    static func parseTransferEncoding(_ b: UnsafeBufferPointer<UInt8>) -> TransferEncodingVerdict {
        var codings = 0
        var sawChunked = false
        var sawUnsupported = false
        var invalid: String?
        forEachListElement(b, keepEmpty: true) { element in
            guard invalid == nil else { return }
            codings += 1
            if element.isEmpty {
                invalid = "Transfer-Encoding must not have empty entries"
                return
            }
            if sawChunked {
                invalid = "chunked must be the last transfer coding, and appear once"
                return
            }
            // A coding is a bare token here: none we know takes parameters,
            // and chunked must not have any.
            for byte in element where !ASCII.isTokenChar(byte) {
                invalid = "Transfer-Encoding must be a list of coding names"
                return
            }
            if ASCII.matches(element, lowercase: "chunked") {
                sawChunked = true
            } else if ASCII.matches(element, lowercase: "gzip") || ASCII.matches(element, lowercase: "x-gzip")
                || ASCII.matches(element, lowercase: "deflate") || ASCII.matches(element, lowercase: "compress")
                || ASCII.matches(element, lowercase: "x-compress")
            {
                sawUnsupported = true
            } else {
                invalid = "Transfer-Encoding names an unknown coding; only chunked is supported"
            }
        }
        if let invalid { return .invalid(invalid) }
        if codings == 0 { return .invalid("Transfer-Encoding must not be empty") }
        if sawUnsupported { return .unsupported }
        return sawChunked ? .chunked : .invalid(nil)
    }

    /// Calls `body` with each comma-separated element, OWS trimmed. Empty
    /// elements (RFC 9110 §5.6.1 lets recipients ignore them) are skipped
    /// unless `keepEmpty`.
    @inline(__always)
    static func forEachListElement(
        _ b: UnsafeBufferPointer<UInt8>, keepEmpty: Bool = false,
        _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var start = 0
        var i = 0
        while i <= b.count {
            if i == b.count || b[i] == ASCII.comma {
                var s = start
                var e = i
                while s < e, ASCII.isWhitespace(b[s]) { s += 1 }
                while e > s, ASCII.isWhitespace(b[e - 1]) { e -= 1 }
                if s < e || keepEmpty {
                    body(UnsafeBufferPointer(rebasing: b[s..<e]))
                }
                start = i + 1
            }
            i += 1
        }
    }
}
