/// An error that carries its own HTTP status. Thrown from a responder or
/// middleware, it becomes the response
/// `{"error":{"status":<code>,"message":"<message>"}}` with its extra headers.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The response status.
    public var status: HTTPStatus
    /// A message for the client; never put secrets or internals here.
    public var message: String
    /// Extra response headers (e.g. `Allow`, `Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPHeaders

    /// An error with `status`; the message defaults to the status's reason phrase.
    public init(_ status: HTTPStatus, message: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message ?? status.reasonPhrase
        self.headers = headers
    }

    /// `"<code> <message>"`.
    public var description: String { "\(status.code) \(message)" }

    /// The JSON response this error renders as.
    public var response: HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(40 + message.utf8.count)
        body.append(contentsOf: #"{"error":{"status":"#.utf8)
        body.append(contentsOf: String(status.code).utf8)
        body.append(contentsOf: #","message":"#.utf8)
        JSONString.append(message, to: &body)
        body.append(contentsOf: "}}".utf8)
        var response = HTTPResponse.json(body, status: status)
        for (name, value) in headers {
            response.headers.add(name: name, value: value)
        }
        return response
    }
}

/// Writes a Swift string as a JSON string literal (RFC 8259 escaping).
enum JSONString {
    static func append(_ string: String, to output: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case 0x0A: output.append(contentsOf: #"\n"#.utf8)
            case 0x0D: output.append(contentsOf: #"\r"#.utf8)
            case 0x09: output.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20, 0x7F:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
