#if canImport(Glibc)
import Glibc
#endif

/// A failed socket operation, with the operating system's error captured at
/// the failing call so the message says what went wrong and where.
///
/// ```
/// bind(127.0.0.1:80) failed: Permission denied (errno 13)
/// ```
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The operation that failed, e.g. `"bind(127.0.0.1:8080)"`.
    public let operation: String
    /// The `errno` value at the failing call; `nil` for errors that did not
    /// come from a system call (such as an address that does not parse).
    public let errorNumber: Int32?
    /// A human-readable explanation: `strerror(errno)` for system errors.
    public let message: String

    /// Creates an error from its parts.
    public init(operation: String, errorNumber: Int32?, message: String) {
        self.operation = operation
        self.errorNumber = errorNumber
        self.message = message
    }

    /// `"<operation> failed: <message> (errno N)"`.
    public var description: String {
        if let errorNumber {
            return "\(operation) failed: \(message) (errno \(errorNumber))"
        }
        return "\(operation) failed: \(message)"
    }

    /// Captures `errno` and its `strerror` text right now; call it directly
    /// after the failing system call, before anything else can change `errno`.
    static func makeFailed(_ operation: String) -> SocketError {
        makeFailed(operation, errorNumber: errno)
    }

    /// An error for a known `errno` value.
    static func makeFailed(_ operation: String, errorNumber: Int32) -> SocketError {
        SocketError(operation: operation, errorNumber: errorNumber, message: Socket.errorString(errorNumber))
    }
}
