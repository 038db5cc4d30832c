import COpenSSL

/// HMAC-SHA256 with a key fixed at creation, computed by the system's libcrypto
/// (OpenSSL 3 `EVP_MAC`).
///
/// The key is absorbed once into a libcrypto context; every message is then
/// authenticated on a working copy of that context, which skips re-deriving
/// the padded key blocks and makes one value safe to share between threads.
///
/// ```swift
/// let hmac = try HMACSHA256(key: "whsec_…")
/// let tag = try hmac.authenticationCode(for: Array("message".utf8))   // 32 bytes
/// ```
public struct HMACSHA256: Sendable {
    /// The length of an HMAC-SHA256 authentication code, in bytes.
    public static let byteCount = 32

    let context: KeyedHMACContext

    /// Creates an authenticator keyed with `key` (any length, empty included).
    /// - Throws: ``VendoError/other(code:message:status:)`` with code
    ///   `crypto_unavailable` when libcrypto cannot provide HMAC-SHA256.
    public init(key: some Collection<UInt8>) throws {
        let made = key.withContiguousStorageIfAvailable { KeyedHMACContext(key: UnsafeRawBufferPointer($0)) }
            ?? Array(key).withUnsafeBytes { KeyedHMACContext(key: $0) }
        guard let made else { throw Self.unavailable() }
        context = made
    }

    /// Creates an authenticator keyed with the UTF-8 bytes of `key`.
    /// - Throws: ``VendoError/other(code:message:status:)`` with code
    ///   `crypto_unavailable` when libcrypto cannot provide HMAC-SHA256.
    public init(key: String) throws {
        try self.init(key: Array(key.utf8))
    }

    /// The 32-byte authentication code of `message`.
    /// - Throws: ``VendoError/other(code:message:status:)`` with code
    ///   `crypto_unavailable` when libcrypto fails (out of memory).
    public func authenticationCode(for message: some Collection<UInt8>) throws -> [UInt8] {
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        var out = [UInt8](repeating: 0, count: Self.byteCount)
        let ok = out.withUnsafeMutableBytes { out in
            message.withContiguousStorageIfAvailable { compute(UnsafeRawBufferPointer($0), none, none, into: out) }
                ?? Array(message).withUnsafeBytes { compute($0, none, none, into: out) }
        }
        guard ok else { throw Self.unavailable() }
        return out
    }

    /// The 32-byte authentication code of the UTF-8 bytes of `message`.
    /// - Throws: ``VendoError/other(code:message:status:)`` with code
    ///   `crypto_unavailable` when libcrypto fails (out of memory).
    public func authenticationCode(for message: String) throws -> [UInt8] {
        try authenticationCode(for: Array(message.utf8))
    }

    /// Writes the code of `a ‖ b ‖ c` into `out` (at least 32 bytes); `false` when libcrypto failed.
    /// Three parts let the webhook code sign `timestamp ‖ "." ‖ body` without concatenating.
    func compute(
        _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ c: UnsafeRawBufferPointer,
        into out: UnsafeMutableRawBufferPointer
    ) -> Bool {
        precondition(out.count >= Self.byteCount)
        return context.withWorkingCopy { copy, reused in
            vendo_hmac_sha256_3(
                copy, reused ? 1 : 0,
                a.baseAddress, a.count, b.baseAddress, b.count, c.baseAddress, c.count,
                out.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1
        }
    }

    static func unavailable() -> VendoError {
        .other(
            code: "crypto_unavailable",
            message: "libcrypto could not compute HMAC-SHA256; check the OpenSSL 3 installation and its provider configuration",
            status: nil)
    }
}

/// Owns one keyed libcrypto `EVP_MAC_CTX`, plus a few working copies of it,
/// and frees them all when the last user is gone.
///
/// The keyed context is written only in `init` and then only read. Each
/// message is computed on a working copy that one thread holds at a time:
/// taken from `spares` under the lock, or duplicated from the keyed context
/// when none is free. Restarting a used copy with the key it holds is much
/// cheaper than duplicating (a duplicate makes about ten allocations in
/// OpenSSL 3.0), and at most `maxSpares` copies are kept, about one per
/// thread that verifies at the same time.
final class KeyedHMACContext: @unchecked Sendable {
    let pointer: OpaquePointer
    private let spares = Locked<[OpaquePointer]>([])
    static let maxSpares = 16

    init?(key: UnsafeRawBufferPointer) {
        guard let pointer = vendo_hmac_sha256_new(key.baseAddress?.assumingMemoryBound(to: UInt8.self), key.count)
        else { return nil }
        self.pointer = pointer
    }

    /// Runs `body` with a working copy (and whether it was used before);
    /// `false` when libcrypto could not make one or `body` failed.
    func withWorkingCopy(_ body: (OpaquePointer, _ reused: Bool) -> Bool) -> Bool {
        let spare = spares.withLock { $0.popLast() }
        guard let copy = spare ?? vendo_hmac_sha256_copy(pointer) else { return false }
        guard body(copy, spare != nil) else {
            EVP_MAC_CTX_free(copy)  // a failed copy is not trusted again
            return false
        }
        let kept = spares.withLock { spares -> Bool in
            guard spares.count < Self.maxSpares else { return false }
            spares.append(copy)
            return true
        }
        if !kept { EVP_MAC_CTX_free(copy) }
        return true
    }

    /// How many used copies wait for reuse (for tests).
    var spareCount: Int { spares.withLock { $0.count } }

    deinit {
        for copy in spares.withLock({ $0 }) { EVP_MAC_CTX_free(copy) }
        EVP_MAC_CTX_free(pointer)
    }
}
