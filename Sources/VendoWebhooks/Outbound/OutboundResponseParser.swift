/// Frames one HTTP/1.x response from bytes as they arrive.
///
/// The body ends where the head says (RFC 9112 §6.3): no body for HEAD, 204
/// and 304; a final `chunked` transfer coding; else one `Content-Length`; else
/// the end of the connection. Interim 1xx heads are skipped. Limits are
/// checked as bytes arrive, so an endless or huge answer costs at most the limit.
package struct OutboundResponseParser {
    /// Why the bytes are not a response we accept.
    package enum Failure: Error, Equatable {
        /// Not HTTP/1.x, or framed in a way we refuse.
        case malformed(String)
        /// The head or the body went past its limit (named in the text).
        case tooLarge(String)
    }

    /// How the body of the current response is delimited.
    private enum BodyState {
        case head
        case length(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case complete
    }

    /// The longest chunk-size line (size plus extensions) accepted.
    package static let maxChunkLineBytes = 4096

    private let maxHeadBytes: Int
    private let maxBodyBytes: Int
    private let isHeadRequest: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var state = BodyState.head
    private var status = 0
    private var reason = ""
    private var headers: [(name: String, value: String)] = []
    private var body: [UInt8] = []
    private var trailerBytes = 0

    /// A parser for the answer to one request.
    /// - Parameters:
    ///   - maxHeadBytes: the largest response head (status line and headers, also each trailer section).
    ///   - maxBodyBytes: the largest body after de-chunking.
    ///   - isHeadRequest: the request was `HEAD`, so the response has no body whatever it says.
    package init(maxHeadBytes: Int, maxBodyBytes: Int, isHeadRequest: Bool = false) {
        self.maxHeadBytes = maxHeadBytes
        self.maxBodyBytes = maxBodyBytes
        self.isHeadRequest = isHeadRequest
    }

    /// Whether a whole response has been read.
    package var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// Whether any byte of a response arrived.
    package var hasReceivedBytes: Bool { start > 0 || !buffer.isEmpty || status != 0 }

    /// The response, once ``isComplete``.
    package var response: OutboundHTTPResponse? {
        isComplete ? OutboundHTTPResponse(status: status, reason: reason, headers: headers, body: body) : nil
    }

    /// Takes the next bytes from the connection.
    /// - Returns: whether the response is now complete (later bytes are ignored).
    @discardableResult
    package mutating func feed(_ bytes: some Collection<UInt8>) throws(Failure) -> Bool {
        if isComplete { return true }
        buffer.append(contentsOf: bytes)
        try advance()
        if start > 64 * 1024 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return isComplete
    }

    /// The peer closed the connection: ends a body delimited by the close.
    /// - Returns: the response.
    /// - Throws: when the response was not complete (says what was missing).
    package mutating func finish() throws(Failure) -> OutboundHTTPResponse {
        switch state {
        case .complete: break
        case .untilClose: state = .complete
        case .head:
            throw .malformed(hasReceivedBytes
                ? "the connection closed before the end of the response head"
                : "the connection closed without a response")
        case .length(let remaining):
            throw .malformed("the connection closed \(remaining) bytes before the end of the body (Content-Length)")
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            throw .malformed("the connection closed in the middle of the chunked body")
        }
        return response!
    }

    // MARK: - States

    private mutating func advance() throws(Failure) {
        while true {
            switch state {
            case .complete:
                return
            case .head:
                guard let end = find(crlfcrlf) else {
                    if buffer.count - start > maxHeadBytes {
                        throw .tooLarge("the response head is over \(maxHeadBytes) bytes")
                    }
                    return
                }
                guard end - start <= maxHeadBytes else { throw .tooLarge("the response head is over \(maxHeadBytes) bytes") }
                let head = Array(buffer[start..<end])
                start = end + 4
                try parseHead(head)
            case .length(let remaining):
                let take = min(remaining, buffer.count - start)
                body.append(contentsOf: buffer[start..<(start + take)])
                start += take
                if remaining == take { state = .complete } else { state = .length(remaining: remaining - take); return }
            case .untilClose:
                let available = buffer.count - start
                guard body.count + available <= maxBodyBytes else { throw tooLargeBody() }
                body.append(contentsOf: buffer[start...])
                start = buffer.count
                return
            case .chunkSize:
                guard let end = find(crlf) else {
                    if buffer.count - start > Self.maxChunkLineBytes { throw .malformed("a chunk-size line is over \(Self.maxChunkLineBytes) bytes") }
                    return
                }
                guard end - start <= Self.maxChunkLineBytes else { throw .malformed("a chunk-size line is over \(Self.maxChunkLineBytes) bytes") }
                let size = try chunkSize(buffer[start..<end])
                start = end + 2
                if size == 0 {
                    state = .trailers
                } else {
                    guard body.count + size <= maxBodyBytes else { throw tooLargeBody() }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let take = min(remaining, buffer.count - start)
                body.append(contentsOf: buffer[start..<(start + take)])
                start += take
                if remaining == take { state = .chunkDataEnd } else { state = .chunkData(remaining: remaining - take); return }
            case .chunkDataEnd:
                guard buffer.count - start >= 2 else { return }
                guard buffer[start] == 0x0D, buffer[start + 1] == 0x0A else { throw .malformed("a chunk is not followed by CRLF") }
                start += 2
                state = .chunkSize
            case .trailers:
                guard let end = find(crlf) else {
                    if trailerBytes + buffer.count - start > maxHeadBytes { throw .tooLarge("the trailers are over \(maxHeadBytes) bytes") }
                    return
                }
                trailerBytes += end - start + 2
                guard trailerBytes <= maxHeadBytes else { throw .tooLarge("the trailers are over \(maxHeadBytes) bytes") }
                let empty = end == start
                start = end + 2
                if empty { state = .complete }  // trailer fields themselves are read and dropped
            }
        }
    }

    private mutating func parseHead(_ head: [UInt8]) throws(Failure) {
        guard !head.contains(where: { $0 == 0 }) else { throw .malformed("the head contains a NUL byte") }
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines[0]
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0",
            parts[1].utf8.count == 3, parts[1].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let code = Int(parts[1]), (100...599).contains(code)
        else {
            throw .malformed("the status line is '\(statusLine.prefix(80))', expected e.g. 'HTTP/1.1 200 OK'")
        }
        var fields: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard !line.contains("\r"), !line.contains("\n") else { throw .malformed("a header line contains a bare CR or LF") }
            guard let first = line.first, first != " ", first != "\t" else {
                throw .malformed("a header line starts with white space (obsolete line folding)")
            }
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("the header line '\(line.prefix(80))' has no colon") }
            let name = line[..<colon]
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else { throw .malformed("the header name '\(name.prefix(80))' is not a token") }
            fields.append((String(name), trimOWS(line[line.index(after: colon)...])))
        }
        if (100...199).contains(code) {
            guard code != 101 else { throw .malformed("the server switched protocols (101), which was not asked for") }
            return  // interim response: the real one follows
        }
        status = code
        reason = parts.count > 2 ? String(parts[2]) : ""
        headers = fields
        try chooseFraming()
    }

    private mutating func chooseFraming() throws(Failure) {
        if isHeadRequest || status == 204 || status == 304 {
            state = .complete
            return
        }
        let codings = headers.filter { $0.name.equalsIgnoringASCIICase("Transfer-Encoding") }
            .flatMap { $0.value.split(separator: ",") }.map { trimOWS($0).lowercased() }
        if !codings.isEmpty {
            // Without a final chunked coding a response body runs to the close (RFC 9112 §6.3).
            state = codings.last == "chunked" ? .chunkSize : .untilClose
            return
        }
        let lengths = headers.filter { $0.name.equalsIgnoringASCIICase("Content-Length") }
            .flatMap { $0.value.split(separator: ",", omittingEmptySubsequences: false) }.map { trimOWS($0) }
        guard let first = lengths.first else {
            state = .untilClose
            return
        }
        guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
            first.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let length = Int(first)
        else {
            throw .malformed("Content-Length '\(lengths.joined(separator: ","))' is not one non-negative number")
        }
        guard length <= maxBodyBytes else { throw tooLargeBody() }
        state = length == 0 ? .complete : .length(remaining: length)
    }

    private func chunkSize(_ line: ArraySlice<UInt8>) throws(Failure) -> Int {
        let sizePart = line.prefix { $0 != UInt8(ascii: ";") }
        let digits = sizePart.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy(isHexDigit) else {
            throw .malformed("the chunk size '\(String(decoding: line.prefix(40), as: UTF8.self))' is not a hex number")
        }
        return Int(String(decoding: digits, as: UTF8.self), radix: 16)!
    }

    private func tooLargeBody() -> Failure { .tooLarge("the response body is over \(maxBodyBytes) bytes") }

    private static let crlfBytes: [UInt8] = [0x0D, 0x0A]
    private var crlf: [UInt8] { Self.crlfBytes }
    private var crlfcrlf: [UInt8] { [0x0D, 0x0A, 0x0D, 0x0A] }

    /// Where `pattern` first starts in the unconsumed bytes.
    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count - start >= pattern.count else { return nil }
        var i = start
        let last = buffer.count - pattern.count
        while i <= last {
            if buffer[i] == pattern[0] {
                var match = true
                for k in 1..<pattern.count where buffer[i + k] != pattern[k] {
                    match = false
                    break
                }
                if match { return i }
            }
            i += 1
        }
        return nil
    }
}

private func trimOWS(_ text: Substring) -> String {
    let trimmed = text.drop { $0 == " " || $0 == "\t" }
    var end = trimmed.endIndex
    while end > trimmed.startIndex, let last = trimmed[..<end].last, last == " " || last == "\t" {
        end = trimmed.index(before: end)
    }
    return String(trimmed[..<end])
}

private func isHexDigit(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
}

/// RFC 9110 `tchar`.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }
}
