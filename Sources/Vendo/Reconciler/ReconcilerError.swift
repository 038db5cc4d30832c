import Foundation

/// What went wrong in the reconciler or in reading and writing `.env` files.
///
/// The message says what failed, on which file, and what to do; it never
/// contains a variable's value (values are secrets).
public struct ReconcilerError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The kind of failure. An open set: compare with the constants.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The kind's name.
        public let rawValue: String
        /// Wraps a name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// An argument to `start` or `bootstrap` is unusable (the message names it).
        public static let invalidConfiguration = Kind(rawValue: "invalid_configuration")
        /// The mapping returned a name or value that cannot go in a `.env` file.
        public static let invalidValues = Kind(rawValue: "invalid_values")
        /// The mapping threw; the file was left as it was.
        public static let mappingFailed = Kind(rawValue: "mapping_failed")
        /// Reading, writing, syncing or renaming a file failed (the message has the OS error).
        public static let io = Kind(rawValue: "io")
        /// A `.env` file could not be parsed (the message has the line).
        public static let invalidDotEnv = Kind(rawValue: "invalid_dotenv")
        /// The `onChange` closure threw.
        public static let onChangeFailed = Kind(rawValue: "on_change_failed")
        /// The reload hook could not be reached or did not answer 2xx.
        public static let reloadHookFailed = Kind(rawValue: "reload_hook_failed")
        /// The event stream that triggers early runs ended with an error; polling goes on.
        public static let triggerFailed = Kind(rawValue: "trigger_failed")
    }

    /// The kind of failure.
    public var kind: Kind
    /// What happened and what to do.
    public var message: String
    /// The file involved, if any.
    public var path: String?
    /// The OS error number, for ``Kind/io``.
    public var errno: Int32?
    /// The error that caused this one (a mapping's or closure's own error), if any.
    public var underlying: (any Error)?

    /// Creates an error.
    public init(
        _ kind: Kind, _ message: String, path: String? = nil, errno: Int32? = nil, underlying: (any Error)? = nil
    ) {
        self.kind = kind
        self.message = message
        self.path = path
        self.errno = errno
        self.underlying = underlying
    }

    /// The message, prefixed with the kind.
    public var description: String { "reconciler (\(kind)): \(message)" }

    /// The same as ``description``.
    public var errorDescription: String? { description }
}
