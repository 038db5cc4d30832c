/// A request as handlers see it: the parsed head plus a body that streams.
public struct HTTPRequest: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The request-target exactly as received (origin-form, absolute-form, `*`…).
    public var target: String
    /// The target's path without the query (`/hooks/vendo`).
    public var path: String
    /// The raw query string without the `?`, or `nil` when the target has none.
    public var query: String?
    /// The protocol version the client spoke.
    public var version: HTTPVersion
    /// The header fields in the order received, duplicates kept.
    public var headers: HTTPHeaders
    /// The body; read it as it streams or `collect(upTo:)` it.
    public var body: HTTPRequestBody
    /// The peer's address, e.g. `127.0.0.1:54321` or `[::1]:54321`; informational only.
    public var remoteAddress: String?
    /// Typed slots middleware fills for handlers further in (e.g. an identity).
    public var userInfo: RequestUserInfo

    /// Builds a request in memory, for in-process tests of responders.
    /// `path` and `query` are derived from `target`.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = [:], body: HTTPRequestBody = .empty) {
        self.method = method
        self.target = target
        let (path, query) = HTTPRequest.splitTarget(target)
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = nil
        self.userInfo = RequestUserInfo()
    }

    /// Builds the request the server hands to its responder.
    @inline(__always)  // in the caller the head's fields move; out of line they were copied
    init(head: consuming HTTPRequestHead, body: HTTPRequestBody, remoteAddress: String?) {
        // Moved out, not read (see `take(_:leaving:)`).
        self.method = take(&head.method, leaving: HTTPMethod(rawValue: ""))
        self.target = take(&head.target, leaving: "")
        self.path = take(&head.path, leaving: "")
        self.query = take(&head.query, leaving: nil)
        self.version = head.version
        self.headers = take(&head.headers, leaving: HTTPHeaders())
        self.body = body
        self.remoteAddress = remoteAddress
        self.userInfo = RequestUserInfo()
    }

    /// The query's `name=value` pairs, in order, percent-decoded, with `+`
    /// read as a space (the HTML form convention). A pair without `=` has an
    /// empty value; malformed escapes are kept literally.
    public func queryItems() -> [(name: String, value: String)] {
        guard let query, !query.isEmpty else { return [] }
        var items: [(name: String, value: String)] = []
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                items.append((HTTPRequest.percentDecode(pair[pair.startIndex..<equals]),
                              HTTPRequest.percentDecode(pair[pair.index(after: equals)...])))
            } else {
                items.append((HTTPRequest.percentDecode(pair[...]), ""))
            }
        }
        return items
    }

    /// Splits a request-target into path and query. Absolute-form targets
    /// (`http://host/p?q`) yield their path; `*` is its own path.
    static func splitTarget(_ target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        let lower = target.prefix(8).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            let afterScheme = rest[rest.index(rest.firstIndex(of: ":")!, offsetBy: 3)...]
            if let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterScheme[slash...]
            } else {
                rest = "/"
            }
        }
        if let mark = rest.firstIndex(of: "?") {
            let path = rest[..<mark]
            return (path.isEmpty ? "/" : String(path), String(rest[rest.index(after: mark)...]))
        }
        return (String(rest), nil)
    }

    private static func percentDecode(_ bytes: Substring.UTF8View.SubSequence) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                      let high = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), high < bytes.endIndex,
                      let low = bytes.index(index, offsetBy: 2, limitedBy: bytes.endIndex), low < bytes.endIndex,
                      let h = hexValue(bytes[high]), let l = hexValue(bytes[low]) {
                output.append(h << 4 | l)
                index = low
            } else {
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
