/// Header fields in the order they arrived, duplicates kept, names compared
/// case-insensitively (ASCII only, as RFC 9110 §5.1 says).
///
/// Names keep the spelling they were sent or added with; lookups ignore case.
/// Two header lists are equal when they hold the same fields in the same
/// order, names compared case-insensitively and values exactly.
///
/// Fields are stored as UTF-8 bytes (for a parsed request, the header
/// section as received), so a request costs two allocations however many
/// headers it has; a `String` is made only when a field is read. Bytes that are not valid UTF-8 (obs-text in a value)
/// read as U+FFFD.
public struct HTTPHeaders: Sequence, Sendable, Equatable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One field as iterated: `for (name, value) in headers`.
    public typealias Element = (name: String, value: String)

    /// Where one field's name and value sit in `bytes`. For parsed requests
    /// `bytes` is the header section as received, so the two ranges need not
    /// touch.
    @usableFromInline
    struct Span: Sendable {
        @usableFromInline var name: Range<Int>
        @usableFromInline var value: Range<Int>

        @inlinable init(name: Range<Int>, value: Range<Int>) {
            self.name = name
            self.value = value
        }
    }

    @usableFromInline var bytes: [UInt8]
    @usableFromInline var spans: [Span]

    /// An empty header list.
    public init() {
        bytes = []
        spans = []
    }

    /// Fields located in a block of bytes (the parser's path: the header
    /// section is copied once and no String is made).
    init(bytes: [UInt8], spans: [Span]) {
        self.bytes = bytes
        self.spans = spans
    }

    /// Header fields in the given order, duplicates kept.
    public init(_ fields: [(name: String, value: String)]) {
        self.init()
        reserveCapacity(fields.count, bytes: fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count })
        for field in fields {
            add(name: field.name, value: field.value)
        }
    }

    /// `["Content-Type": "text/plain"]`. Literal keys are unique, so use
    /// `init(_:)` or `add(name:value:)` for repeated fields.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init()
        reserveCapacity(elements.count, bytes: elements.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count })
        for (name, value) in elements {
            add(name: name, value: value)
        }
    }

    /// The first value of the field `name`, or nil when absent.
    public subscript(name: String) -> String? {
        guard let index = firstIndex(of: name) else { return nil }
        return string(spans[index].value)
    }

    /// Every value of the field `name`, in arrival order (one per field line;
    /// comma-separated lists are not split).
    public func values(for name: String) -> [String] {
        var result: [String] = []
        forEachIndex(of: name) { result.append(string(spans[$0].value)) }
        return result
    }

    /// Whether at least one field is called `name`.
    public func contains(_ name: String) -> Bool {
        firstIndex(of: name) != nil
    }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        append(name: name, valueUTF8: value.utf8)
    }

    /// Appends a field whose value is given as bytes (copied), without making
    /// a `String` of it first.
    package mutating func add(name: String, valueBytes: UnsafeBufferPointer<UInt8>) {
        append(name: name, valueUTF8: valueBytes)
    }

    @inline(__always)
    private mutating func append(name: String, valueUTF8: some Sequence<UInt8>) {
        let start = bytes.count
        bytes.append(contentsOf: name.utf8)
        let valueStart = bytes.count
        bytes.append(contentsOf: valueUTF8)
        spans.append(Span(name: start..<valueStart, value: valueStart..<bytes.count))
    }

    /// Replaces the first field called `name` and removes the others, or
    /// appends the field when there is none.
    public mutating func replaceOrAdd(name: String, value: String) {
        guard let first = firstIndex(of: name) else {
            add(name: name, value: value)
            return
        }
        var rebuilt = HTTPHeaders()
        rebuilt.reserveCapacity(spans.count, bytes: bytes.count + value.utf8.count)
        for index in spans.indices {
            if index == first {
                rebuilt.add(name: name, value: value)
            } else if !nameMatches(index, name) {
                rebuilt.copyField(index, from: self)
            }
        }
        self = rebuilt
    }

    /// Removes every field called `name`.
    public mutating func remove(name: String) {
        guard firstIndex(of: name) != nil else { return }
        var rebuilt = HTTPHeaders()
        rebuilt.reserveCapacity(spans.count, bytes: bytes.count)
        for index in spans.indices where !nameMatches(index, name) {
            rebuilt.copyField(index, from: self)
        }
        self = rebuilt
    }

    /// Calls `body` with each field's name and value as UTF-8 bytes, in
    /// arrival order, without making a `String`: for code that scans every
    /// field for a few names on a hot path. The buffers are valid only
    /// during the call.
    public func forEachFieldBytes(
        _ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        try bytes.withUnsafeBufferPointer { all in
            for span in spans {
                try body(UnsafeBufferPointer(rebasing: all[span.name]), UnsafeBufferPointer(rebasing: all[span.value]))
            }
        }
    }

    /// The number of field lines (duplicates counted).
    public var count: Int { spans.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { spans.isEmpty }

    /// Makes room for `fields` fields of `bytes` bytes in total (names and
    /// values) so that adding them does not reallocate.
    public mutating func reserveCapacity(_ fields: Int, bytes byteCount: Int = 0) {
        spans.reserveCapacity(fields)
        bytes.reserveCapacity(byteCount)
    }

    /// Iterates fields in order as `(name:value:)` tuples.
    public struct Iterator: IteratorProtocol {
        let headers: HTTPHeaders
        var index = 0

        /// The next field, or nil at the end.
        public mutating func next() -> (name: String, value: String)? {
            guard index < headers.spans.count else { return nil }
            defer { index += 1 }
            let span = headers.spans[index]
            return (headers.string(span.name), headers.string(span.value))
        }
    }

    /// Iterates fields in arrival order.
    public func makeIterator() -> Iterator {
        Iterator(headers: self)
    }

    /// The number of fields; lets `Array(headers)` reserve once.
    public var underestimatedCount: Int { spans.count }

    /// Same fields in the same order; names compared case-insensitively, values exactly.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.spans.count == rhs.spans.count else { return false }
        return lhs.bytes.withUnsafeBufferPointer { l in
            rhs.bytes.withUnsafeBufferPointer { r in
                for (a, b) in zip(lhs.spans, rhs.spans) {
                    guard UnsafeBufferPointer(rebasing: l[a.value]).elementsEqual(UnsafeBufferPointer(rebasing: r[b.value])),
                        ASCII.equalsIgnoringCase(UnsafeBufferPointer(rebasing: l[a.name]), UnsafeBufferPointer(rebasing: r[b.name]))
                    else { return false }
                }
                return true
            }
        }
    }

    /// `name: value` lines, for debugging. Do not log headers that may carry secrets.
    public var description: String {
        map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    // MARK: Internals

    private func string(_ range: Range<Int>) -> String {
        bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    private func nameMatches(_ index: Int, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { ASCII.equalsIgnoringCase(UnsafeBufferPointer(rebasing: $0[spans[index].name]), wanted) }
        }
    }

    private func firstIndex(of name: String) -> Int? {
        var found: Int?
        forEachIndex(of: name) { index in
            if found == nil { found = index }
        }
        return found
    }

    private func forEachIndex(of name: String, _ body: (Int) -> Void) {
        var name = name
        name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { all in
                for index in spans.indices
                where ASCII.equalsIgnoringCase(UnsafeBufferPointer(rebasing: all[spans[index].name]), wanted) {
                    body(index)
                }
            }
        }
    }

    private mutating func copyField(_ index: Int, from other: HTTPHeaders) {
        let span = other.spans[index]
        let start = bytes.count
        bytes.append(contentsOf: other.bytes[span.name])
        let valueStart = bytes.count
        bytes.append(contentsOf: other.bytes[span.value])
        spans.append(Span(name: start..<valueStart, value: valueStart..<bytes.count))
    }
}
