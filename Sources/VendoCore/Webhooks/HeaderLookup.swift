/// Case-insensitive header lookup over the shapes callers hold: a dictionary,
/// or an ordered list of name/value pairs (server header types, duplicates kept).
///
/// Names are compared as ASCII without case and without allocating; values are
/// returned trimmed of spaces, tabs, CR and LF, as HTTP's optional whitespace.
package enum HeaderLookup {
    /// What a search for one header found.
    package enum Found: Equatable, Sendable {
        case missing
        case one(Substring)
        /// The header came more than once (or under two spellings): ambiguous.
        case repeated(Int)

        /// Records one more field of the name (its trimmed value).
        package mutating func add(_ value: Substring) {
            switch self {
            case .missing: self = .one(value)
            case .one: self = .repeated(2)
            case .repeated(let n): self = .repeated(n + 1)
            }
        }

        /// The value when exactly one was found.
        package var value: Substring? {
            if case .one(let value) = self { return value }
            return nil
        }
    }

    /// Finds the headers named `names` (lowercase ASCII) in one pass.
    static func find<S: Sequence>(_ names: [[UInt8]], in headers: S, name: (S.Element) -> String, value: (S.Element) -> String) -> [Found] {
        var found = [Found](repeating: .missing, count: names.count)
        for header in headers {
            let headerName = name(header)
            for (index, wanted) in names.enumerated() where equalsIgnoringASCIICase(headerName, wanted) {
                found[index].add(trimmed(Substring(value(header))))
            }
        }
        return found
    }

    static func find(_ names: [[UInt8]], in headers: [String: String]) -> [Found] {
        find(names, in: headers, name: { $0.key }, value: { $0.value })
    }

    static func find(_ names: [[UInt8]], in headers: some Sequence<(name: String, value: String)>) -> [Found] {
        find(names, in: headers, name: { $0.name }, value: { $0.value })
    }

    static func find(_ names: [[UInt8]], in headers: some Sequence<(String, String)>) -> [Found] {
        find(names, in: headers, name: { $0.0 }, value: { $0.1 })
    }

    /// Finds two headers in one pass without allocating: the webhook hot path.
    static func findPair<S: Sequence>(_ a: [UInt8], _ b: [UInt8], in headers: S, name: (S.Element) -> String, value: (S.Element) -> String) -> (Found, Found) {
        var first = Found.missing
        var second = Found.missing
        for header in headers {
            let headerName = name(header)
            if equalsIgnoringASCIICase(headerName, a) {
                first.add(trimmed(Substring(value(header))))
            } else if equalsIgnoringASCIICase(headerName, b) {
                second.add(trimmed(Substring(value(header))))
            }
        }
        return (first, second)
    }

    /// The first value of `name` (lowercase ASCII), trimmed; `nil` when absent.
    static func first(_ name: [UInt8], in headers: [String: String]) -> Substring? {
        firstValue(name, in: headers, name: { $0.key }, value: { $0.value })
    }

    static func first(_ name: [UInt8], in headers: some Sequence<(name: String, value: String)>) -> Substring? {
        firstValue(name, in: headers, name: { $0.name }, value: { $0.value })
    }

    static func first(_ name: [UInt8], in headers: some Sequence<(String, String)>) -> Substring? {
        firstValue(name, in: headers, name: { $0.0 }, value: { $0.1 })
    }

    private static func firstValue<S: Sequence>(_ wanted: [UInt8], in headers: S, name: (S.Element) -> String, value: (S.Element) -> String) -> Substring? {
        for header in headers where equalsIgnoringASCIICase(name(header), wanted) {
            return trimmed(Substring(value(header)))
        }
        return nil
    }

    /// Whether `name` equals `lowercase` (lowercase ASCII bytes) ignoring ASCII case.
    static func equalsIgnoringASCIICase(_ name: String, _ lowercase: [UInt8]) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == lowercase.count else { return false }
        func compare(_ bytes: some Sequence<UInt8>) -> Bool {
            var index = 0
            for byte in bytes {
                let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
                guard folded == lowercase[index] else { return false }
                index += 1
            }
            return true
        }
        // Native strings are contiguous UTF-8: compare the buffer, not the view's indices.
        return utf8.withContiguousStorageIfAvailable { compare($0) } ?? compare(utf8)
    }

    /// `value` without leading and trailing spaces, tabs, CR and LF.
    /// The whitespace ``trimmed(_:)`` and ``trimmedString(_:)`` drop.
    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    package static func trimmed(_ value: Substring) -> Substring {
        let utf8 = value.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return value[value.endIndex...] }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        return value[first...last]
    }

    /// Lowercase ASCII bytes of a header name, for the lookups above.
    /// `value` without the leading and trailing whitespace ``trimmed(_:)``
    /// drops, as a `Substring` over a new `String`. Trimming the bytes first
    /// spares the `Substring` index walk, which cost more than the copy.
    package static func trimmedString(_ value: UnsafeBufferPointer<UInt8>) -> Substring {
        var start = 0
        var end = value.count
        while start < end, isSpace(value[start]) { start += 1 }
        while end > start, isSpace(value[end - 1]) { end -= 1 }
        return Substring(String(decoding: UnsafeBufferPointer(rebasing: value[start..<end]), as: UTF8.self))
    }

    static func key(_ name: StaticString) -> [UInt8] {
        name.withUTF8Buffer { buffer in buffer.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 } }
    }
}
