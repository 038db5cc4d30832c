/// A set of wire strings that may grow on the platform's side: values this
/// SDK does not know yet decode too and keep their raw string, so a new
/// status or profile never breaks decoding.
///
/// Conforming types declare `rawValue`, a non-failing `init(rawValue:)`,
/// their constants and `known`; the rest comes from here. Compare with the
/// constants or with a string literal; `switch` works with the constants and
/// a `default`.
public protocol OpenStringSet: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible where RawValue == String
{
    /// Wraps any wire string.
    init(rawValue: String)

    /// Every value this SDK version knows.
    static var known: [Self] { get }
}

extension OpenStringSet {
    /// Wraps a string literal.
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// Whether this SDK version knows the value.
    public var isKnown: Bool { Self.known.contains(self) }

    /// The wire string.
    public var description: String { rawValue }

    /// Decodes the wire string, whatever it is.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the wire string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
