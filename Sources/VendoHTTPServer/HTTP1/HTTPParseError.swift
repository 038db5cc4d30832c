/// Why the parser refused a request: the status to answer with and a short
/// sentence for the response body and the log.
///
/// Every parse error is fatal for its connection: answer `status` with
/// `Connection: close` (unless a response has already started) and close.
/// The reason never contains bytes from the request, so it is safe to send
/// back and to log.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One of `400`, `413`, `414`, `417`, `431`, `501` or `505`.
    public var status: HTTPStatus
    /// A short human sentence saying what was wrong, for example
    /// `"Content-Length must be decimal digits only"`.
    public var reason: String

    /// Creates an error with the status to answer and what was wrong.
    public init(status: HTTPStatus, reason: String) {
        self.status = status
        self.reason = reason
    }

    /// `"400 Bad Request: <reason>"`.
    public var description: String { "\(status.code) \(status.reasonPhrase): \(reason)" }

    static func badRequest(_ reason: String) -> HTTPParseError {
        HTTPParseError(status: .badRequest, reason: reason)
    }
}
