/// What changed between two runs of the mapping: variable names only, never values.
public struct ReconcilerDiff: Sendable, Hashable, Codable {
    /// Names present now and not before, sorted.
    public var added: [String]
    /// Names present before and not now, sorted.
    public var removed: [String]
    /// Names present both times with different values, sorted.
    public var changed: [String]

    /// Creates a diff from its three lists (sorted as given).
    public init(added: [String] = [], removed: [String] = [], changed: [String] = []) {
        self.added = added
        self.removed = removed
        self.changed = changed
    }

    /// The difference from `old` to `new`.
    public init(from old: [String: String], to new: [String: String]) {
        added = new.keys.filter { old[$0] == nil }.sorted()
        removed = old.keys.filter { new[$0] == nil }.sorted()
        changed = new.keys.filter { old[$0] != nil && old[$0] != new[$0] }.sorted()
    }

    /// Whether nothing changed.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Added then changed names: what the reload hook reports as `changed`.
    public var addedOrChanged: [String] { added + changed }
}
