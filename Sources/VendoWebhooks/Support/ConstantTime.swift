/// Compares two byte strings in time that depends only on their lengths, never
/// on where they first differ, so a caller cannot guess a secret byte by byte.
func constantTimeEquals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
    var difference = UInt(bitPattern: lhs.count ^ rhs.count)
    // Walk the expected length in full whatever the other side holds.
    var left = lhs.makeIterator()
    var right = rhs.makeIterator()
    for _ in 0..<max(lhs.count, rhs.count) {
        let a = left.next() ?? 0
        let b = right.next() ?? 0
        difference |= UInt(a ^ b)
    }
    return difference == 0
}
