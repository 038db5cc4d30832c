/// An HTTP request method, such as `GET` or `POST`.
///
/// A small value type rather than a closed enum: the parser accepts any
/// well-formed method token (RFC 9110 §9.1), and the server or router decides
/// what to do with methods it does not implement (`isStandard` helps there).
/// Methods are case-sensitive, so `"get"` is not `.get`.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The method token exactly as sent, for example `"GET"`.
    public var rawValue: String

    /// Wraps a method token. No validation happens here; the parser only
    /// produces methods made of token characters.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Wraps a method token written as a literal, for example `let m: HTTPMethod = "PURGE"`.
    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// The method token, for logs.
    public var description: String { rawValue }

    /// `GET`: transfer a representation of the target resource.
    public static let get = HTTPMethod(rawValue: "GET")
    /// `HEAD`: like `GET`, but the response carries no body.
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// `POST`: process the enclosed representation.
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`: replace the target resource with the enclosed representation.
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `DELETE`: remove the target resource.
    public static let delete = HTTPMethod(rawValue: "DELETE")
    /// `OPTIONS`: describe the communication options; the only method allowed with the `*` target.
    public static let options = HTTPMethod(rawValue: "OPTIONS")
    /// `PATCH`: apply a partial modification (RFC 5789).
    public static let patch = HTTPMethod(rawValue: "PATCH")
    /// `CONNECT`: establish a tunnel; the only method allowed with an authority-form target.
    public static let connect = HTTPMethod(rawValue: "CONNECT")
    /// `TRACE`: loop the request message back.
    public static let trace = HTTPMethod(rawValue: "TRACE")

    /// Whether this is one of the methods defined by RFC 9110 or RFC 5789
    /// (`GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH`).
    ///
    /// The parser accepts any well-formed method; a server answers
    /// `501 Not Implemented` for methods it does not know, and this is the
    /// test it uses for that decision.
    public var isStandard: Bool {
        switch rawValue {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH":
            return true
        default:
            return false
        }
    }
}
