/// An HTTP response status: a three-digit code and its reason phrase.
///
/// Two statuses are equal when their codes are equal; the reason phrase is
/// informational (RFC 9112 §4 lets clients ignore it), so a custom phrase
/// does not make `HTTPStatus(code: 200, reasonPhrase: "Fine")` differ from `.ok`.
public struct HTTPStatus: Hashable, Sendable, CustomStringConvertible {
    /// The status code, for example `404`.
    public var code: Int
    /// The reason phrase sent after the code, for example `"Not Found"`.
    public var reasonPhrase: String

    /// Creates a status. Without a phrase, the standard one for `code` is
    /// used (RFC 9110 §15), or an empty phrase for codes it does not define.
    public init(code: Int, reasonPhrase: String? = nil) {
        self.code = code
        self.reasonPhrase = reasonPhrase ?? HTTPStatus.standardReasonPhrase(for: code) ?? ""
    }

    /// `"404 Not Found"`.
    public var description: String { reasonPhrase.isEmpty ? "\(code)" : "\(code) \(reasonPhrase)" }

    /// Compares codes only; see the type's documentation.
    public static func == (lhs: HTTPStatus, rhs: HTTPStatus) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The RFC 9110 reason phrase for a code, or nil for codes it does not define.
    public static func standardReasonPhrase(for code: Int) -> String? {
        switch code {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 203: return "Non-Authoritative Information"
        case 204: return "No Content"
        case 205: return "Reset Content"
        case 206: return "Partial Content"
        case 300: return "Multiple Choices"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 402: return "Payment Required"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 407: return "Proxy Authentication Required"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 416: return "Range Not Satisfiable"
        case 417: return "Expectation Failed"
        case 421: return "Misdirected Request"
        case 422: return "Unprocessable Content"
        case 426: return "Upgrade Required"
        case 428: return "Precondition Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return nil
        }
    }

    /// 100: the client may send the request body.
    public static let `continue` = HTTPStatus(code: 100)
    /// 101: the server switches to the protocol the client asked for.
    public static let switchingProtocols = HTTPStatus(code: 101)
    /// 200: success.
    public static let ok = HTTPStatus(code: 200)
    /// 201: a resource was created.
    public static let created = HTTPStatus(code: 201)
    /// 202: accepted for processing, not yet done.
    public static let accepted = HTTPStatus(code: 202)
    /// 204: success, and the response has no body.
    public static let noContent = HTTPStatus(code: 204)
    /// 301: the resource moved for good.
    public static let movedPermanently = HTTPStatus(code: 301)
    /// 302: the resource is temporarily elsewhere.
    public static let found = HTTPStatus(code: 302)
    /// 304: the cached representation is still valid; no body.
    public static let notModified = HTTPStatus(code: 304)
    /// 400: the request is malformed.
    public static let badRequest = HTTPStatus(code: 400)
    /// 401: credentials are missing or wrong.
    public static let unauthorized = HTTPStatus(code: 401)
    /// 403: the credentials do not allow this.
    public static let forbidden = HTTPStatus(code: 403)
    /// 404: no resource at this path.
    public static let notFound = HTTPStatus(code: 404)
    /// 405: the path exists but not for this method (send `Allow`).
    public static let methodNotAllowed = HTTPStatus(code: 405)
    /// 408: the client took too long to send the request.
    public static let requestTimeout = HTTPStatus(code: 408)
    /// 409: the request conflicts with the resource's state.
    public static let conflict = HTTPStatus(code: 409)
    /// 411: a body is required and its length was not declared.
    public static let lengthRequired = HTTPStatus(code: 411)
    /// 413: the body is larger than the server accepts ("Content Too Large" in RFC 9110).
    public static let payloadTooLarge = HTTPStatus(code: 413)
    /// 414: the request target (request line) is longer than the server accepts.
    public static let uriTooLong = HTTPStatus(code: 414)
    /// 417: the server cannot meet the request's `Expect` header.
    public static let expectationFailed = HTTPStatus(code: 417)
    /// 422: well-formed but semantically wrong content.
    public static let unprocessableContent = HTTPStatus(code: 422)
    /// 429: the client sent too many requests; see `Retry-After`.
    public static let tooManyRequests = HTTPStatus(code: 429)
    /// 431: the header section is larger than the server accepts.
    public static let requestHeaderFieldsTooLarge = HTTPStatus(code: 431)
    /// 500: the server failed.
    public static let internalServerError = HTTPStatus(code: 500)
    /// 501: the server does not implement the method or transfer coding.
    public static let notImplemented = HTTPStatus(code: 501)
    /// 502: an upstream server answered badly.
    public static let badGateway = HTTPStatus(code: 502)
    /// 503: the server is overloaded or shutting down; see `Retry-After`.
    public static let serviceUnavailable = HTTPStatus(code: 503)
    /// 504: an upstream server did not answer in time.
    public static let gatewayTimeout = HTTPStatus(code: 504)
    /// 505: the request's HTTP version is not supported.
    public static let httpVersionNotSupported = HTTPStatus(code: 505)
}
