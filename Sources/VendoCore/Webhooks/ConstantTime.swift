import COpenSSL

extension WebhooksAPI {
    /// Whether `a` and `b` hold the same bytes, in time that depends only on
    /// their lengths, never on where they differ (libcrypto's `CRYPTO_memcmp`).
    ///
    /// Use it for any secret a request presents (tokens, signatures): `==`
    /// stops at the first difference and so tells an attacker how much of a
    /// guess was right. Only whether the lengths differ is observable.
    public static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let left = a.withContiguousStorageIfAvailable { Array($0) } ?? Array(a)
        let right = b.withContiguousStorageIfAvailable { Array($0) } ?? Array(b)
        return left.withUnsafeBytes { l in right.withUnsafeBytes { r in constantTimeEquals(l, r) } }
    }

    /// Whether the UTF-8 bytes of `a` and `b` are equal, compared in constant time
    /// (see the byte form).
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    static func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        if a.count == 0 { return true }
        return CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
    }
}
