/// Header fields in the order they arrived, duplicates kept, names compared
/// case-insensitively (ASCII only, as RFC 9110 §5.1 says).
///
/// Names keep the spelling they were sent or added with; lookups ignore case.
/// Two header lists are equal when they hold the same fields in the same
/// order, names compared case-insensitively and values exactly.
public struct HTTPHeaders: Sequence, Sendable, Equatable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One field as iterated: `for (name, value) in headers`.
    public typealias Element = (name: String, value: String)

    @usableFromInline
    struct Field: Sendable {
        @usableFromInline var name: String
        @usableFromInline var value: String
        @inlinable init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    @usableFromInline var fields: [Field]

    /// An empty header list.
    public init() {
        fields = []
    }

    /// Header fields in the given order, duplicates kept.
    public init(_ fields: [(name: String, value: String)]) {
        self.fields = fields.map { Field(name: $0.name, value: $0.value) }
    }

    /// `["Content-Type": "text/plain"]`. Literal keys are unique, so use
    /// `init(_:)` or `add(name:value:)` for repeated fields.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// Makes room for `capacity` fields in one allocation.
    public mutating func reserveCapacity(_ capacity: Int) {
        fields.reserveCapacity(capacity)
    }

    /// The first value of the field `name`, or nil when absent.
    public subscript(name: String) -> String? {
        for field in fields where ASCII.equalsIgnoringCase(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of the field `name`, in arrival order (one per field line;
    /// comma-separated lists are not split).
    public func values(for name: String) -> [String] {
        fields.lazy.filter { ASCII.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether at least one field is called `name`.
    public func contains(_ name: String) -> Bool {
        fields.contains { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces the first field called `name` and removes the others, or
    /// appends the field when there is none.
    public mutating func replaceOrAdd(name: String, value: String) {
        guard let first = fields.firstIndex(where: { ASCII.equalsIgnoringCase($0.name, name) }) else {
            fields.append(Field(name: name, value: value))
            return
        }
        fields[first] = Field(name: name, value: value)
        var index = first + 1
        while index < fields.count {
            if ASCII.equalsIgnoringCase(fields[index].name, name) {
                fields.remove(at: index)
            } else {
                index += 1
            }
        }
    }

    /// Removes every field called `name`.
    public mutating func remove(name: String) {
        fields.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
    }

    /// The number of field lines (duplicates counted).
    public var count: Int { fields.count }

    /// Whether there are no fields.
    public var isEmpty: Bool { fields.isEmpty }

    /// Iterates fields in order as `(name:value:)` tuples.
    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: IndexingIterator<[Field]>
        /// The next field, or nil at the end.
        @inlinable public mutating func next() -> (name: String, value: String)? {
            guard let field = base.next() else { return nil }
            return (field.name, field.value)
        }
    }

    /// Iterates fields in arrival order.
    public func makeIterator() -> Iterator {
        Iterator(base: fields.makeIterator())
    }

    /// The number of fields; lets `Array(headers)` reserve once.
    public var underestimatedCount: Int { fields.count }

    /// Same fields in the same order; names compared case-insensitively, values exactly.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.fields.count == rhs.fields.count else { return false }
        for (l, r) in zip(lhs.fields, rhs.fields) {
            guard l.value == r.value, ASCII.equalsIgnoringCase(l.name, r.name) else { return false }
        }
        return true
    }

    /// `name: value` lines, for debugging. Do not log headers that may carry secrets.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}
