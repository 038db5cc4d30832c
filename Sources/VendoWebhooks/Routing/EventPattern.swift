#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which event types a handler is registered for.
///
/// Three forms, checked when the pattern is made:
/// - `"*"` matches every event type, provider deliveries included;
/// - `"prefix.*"` matches every type that starts with `prefix.`, at any depth
///   (`"connection.*"` matches `connection.connected` and `connection.a.b`,
///   but not `connection` itself);
/// - anything else matches that exact type.
///
/// Types are compared byte for byte as UTF-8: case-sensitive, and a type
/// in another Unicode normalisation is another type.
///
/// A `*` anywhere else (`"conn*"`, `"*.connected"`, `"a.*.b"`), an empty
/// pattern, an empty prefix (`".*"`), whitespace and control characters are
/// rejected with an ``EventPatternError`` that says which rule was broken.
public struct EventPattern: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: Sendable {
        case any
        case prefix(String)  // stored with its trailing dot: "connection."
        case exact(String)
    }

    private let kind: Kind

    /// The pattern that matches every event type (`"*"`).
    public static let any = EventPattern(kind: .any)

    private init(kind: Kind) { self.kind = kind }

    /// Parses a pattern, as typed in code, a flag or a config file.
    /// - Throws: ``EventPatternError`` naming the broken rule.
    public init(parsing text: String) throws(EventPatternError) {
        if text == "*" {
            self.kind = .any
            return
        }
        guard !text.isEmpty else {
            throw EventPatternError(pattern: text, reason: "the pattern is empty; use \"*\" to match every event type")
        }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw EventPatternError(
                pattern: text, reason: "contains whitespace or a control character (U+\(String(bad.value, radix: 16, uppercase: true)))")
        }
        if text.hasSuffix(".*") {
            let prefix = text.dropLast(1)  // keeps the dot
            guard prefix.count > 1 else {
                throw EventPatternError(pattern: text, reason: "the prefix before \".*\" is empty; use \"*\" to match every event type")
            }
            guard !prefix.contains("*") else {
                throw EventPatternError(pattern: text, reason: "\"*\" may only appear alone or as the last segment (\"prefix.*\")")
            }
            self.kind = .prefix(String(prefix))
            return
        }
        guard !text.contains("*") else {
            throw EventPatternError(pattern: text, reason: "\"*\" may only appear alone or as the last segment (\"prefix.*\")")
        }
        self.kind = .exact(text)
    }

    /// Whether a delivery of `eventType` goes to handlers registered with this pattern.
    @inline(__always)
    public func matches(_ eventType: String) -> Bool {
        switch kind {
        case .any: return true
        case .exact(let type): return eventType.utf8.count == type.utf8.count && Self.bytes(of: eventType, startWith: type)
        case .prefix(let prefix): return eventType.utf8.count > prefix.utf8.count && Self.bytes(of: eventType, startWith: prefix)
        }
    }

    /// Whether `text`'s UTF-8 starts with `prefix`'s, which is not longer.
    /// Bytes, not characters: `hasPrefix` and `==` compare characters, at
    /// several times the work per delivery, and would take another Unicode
    /// normalisation of a type for the same type.
    private static func bytes(of text: String, startWith prefix: String) -> Bool {
        // Native strings lend their UTF-8 without a copy; others (bridged) compare by iteration.
        let compared = text.utf8.withContiguousStorageIfAvailable { text in
            prefix.utf8.withContiguousStorageIfAvailable { prefix in
                prefix.isEmpty || memcmp(text.baseAddress!, prefix.baseAddress!, prefix.count) == 0
            }
        }
        if let compared, let compared { return compared }
        return text.utf8.starts(with: prefix.utf8)
    }

    /// Patterns are equal when they are written with the same bytes, as
    /// they match (two spellings of one text in different normalisations
    /// match different types, so they are different patterns).
    public static func == (lhs: EventPattern, rhs: EventPattern) -> Bool {
        lhs.description.utf8.elementsEqual(rhs.description.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        var text = description
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The pattern as written (`*`, `connection.*`, `connection.connected`).
    public var description: String {
        switch kind {
        case .any: return "*"
        case .exact(let type): return type
        case .prefix(let prefix): return prefix + "*"
        }
    }
}

extension EventPattern: ExpressibleByStringLiteral {
    /// A pattern written in code. An invalid literal is a programming error and
    /// stops the program with the reason; use ``init(parsing:)`` for input.
    public init(stringLiteral value: String) {
        do {
            try self.init(parsing: value)
        } catch {
            preconditionFailure("invalid event pattern literal: \(error)")
        }
    }
}

/// An event pattern that breaks the rules described on ``EventPattern``.
public struct EventPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text that was refused.
    public let pattern: String
    /// Which rule it broke.
    public let reason: String

    /// A sentence fit for a command-line error.
    public var description: String { "invalid event pattern \"\(pattern)\": \(reason)" }
}
