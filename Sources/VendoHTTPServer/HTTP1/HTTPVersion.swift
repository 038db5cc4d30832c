/// The HTTP versions this server speaks.
///
/// Requests with any other `HTTP/x.y` version are refused by the parser with
/// `505 HTTP Version Not Supported`.
public enum HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    /// `HTTP/1.0`: connections close after each response unless the client asked for `keep-alive`.
    case http1_0
    /// `HTTP/1.1`: connections persist unless either side says `Connection: close`.
    case http1_1

    /// The version as written on the wire, `"HTTP/1.0"` or `"HTTP/1.1"`.
    public var description: String {
        switch self {
        case .http1_0: return "HTTP/1.0"
        case .http1_1: return "HTTP/1.1"
        }
    }
}
