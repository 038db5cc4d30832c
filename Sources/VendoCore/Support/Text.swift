// FoundationEssentials has no `trimmingCharacters(in:)` (it lives in full
// Foundation, with ICU); these few helpers keep VendoCore off it.

extension StringProtocol {
    /// The text without leading and trailing whitespace or newlines
    /// (`Character.isWhitespace`: spaces, tabs, CR, LF and Unicode spaces).
    package var trimmedWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return String(self[first...last])
    }
}

extension String {
    /// Whether two ASCII-case-insensitive names are equal (header and variable names).
    package func equalsIgnoringASCIICase(_ other: String) -> Bool {
        let lhs = utf8, rhs = other.utf8
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { a, b in
            a == b || (a | 0x20 == b | 0x20 && (0x61...0x7A).contains(a | 0x20))
        }
    }
}
