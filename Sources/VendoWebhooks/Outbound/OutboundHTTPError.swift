/// Why an outbound request failed, with a sentence that says what to check.
package enum OutboundHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL cannot be used (not a URL, no host, bad port, unsupported scheme).
    case invalidURL(String)
    /// The request cannot be sent as given (a header with a line break, a bad method).
    case invalidRequest(String)
    /// The host name did not resolve.
    case resolveFailed(host: String, reason: String)
    /// No address of the host accepted a connection (refused, unreachable…).
    case connectFailed(address: String, reason: String)
    /// The whole exchange did not finish within the timeout; `phase` says where it stood.
    case timedOut(phase: String, address: String, after: Duration)
    /// Writing the request or reading the response failed at the socket.
    case io(address: String, reason: String)
    /// The peer's answer is not an HTTP/1.x response we can frame.
    case malformedResponse(address: String, reason: String)
    /// The response head or body is larger than the configured limit (`detail` names it).
    case responseTooLarge(address: String, detail: String)
    /// The calling task was cancelled.
    case cancelled

    /// A sentence for logs and the CLI.
    package var description: String {
        switch self {
        case .invalidURL(let reason): return reason
        case .invalidRequest(let reason): return reason
        case .resolveFailed(let host, let reason): return "cannot resolve \(host): \(reason)"
        case .connectFailed(let address, let reason): return "cannot connect to \(address): \(reason)"
        case .timedOut(let phase, let address, let after):
            return "timed out after \(OutboundHTTPError.describe(after)) \(phase) \(address)"
        case .io(let address, let reason): return "the connection to \(address) failed: \(reason)"
        case .malformedResponse(let address, let reason): return "\(address) sent a malformed HTTP response: \(reason)"
        case .responseTooLarge(let address, let detail):
            return "the response from \(address) is too large: \(detail)"
        case .cancelled: return "the request was cancelled"
        }
    }

    /// `1.5 s`, `300 ms`: short and exact enough for a message.
    package static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if millis % 1000 == 0 { return "\(millis / 1000) s" }
        if millis < 1000 { return "\(millis) ms" }
        return "\(Double(millis) / 1000) s"
    }
}
