import COpenSSL
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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

/// Process-wide libcrypto choices, for executables that own their process.
package enum LibCryptoSetup {
    /// Keeps libcrypto from loading its error strings (0.5 MB resident in a
    /// C test, 1.2 MB in `vendo-webhooks serve`); nothing here prints them.
    /// Call before the first HMAC.
    package static func skipErrorStrings() {
        _ = vendo_crypto_skip_error_strings()
    }
}

/// Owns one keyed libcrypto `EVP_MAC_CTX`, plus a few working copies of it,
/// and frees them all when the last user is gone.
///
/// The keyed context is written only in `init` and then only read. Each
/// message is computed on a working copy that one thread holds at a time:
/// taken from a spare slot, or duplicated from the keyed context when none
/// is free. Restarting a used copy with the key it holds is much cheaper
/// than duplicating (a duplicate makes about ten allocations in OpenSSL 3.0),
/// and at most `maxSpares` copies are kept, about one per thread that
/// verifies at the same time.
///
/// The spares sit in slots, one pointer per 64-byte line, taken and returned
/// with one atomic operation each. A thread starts at a slot picked from its
/// identity, so two event loops usually keep to their own slots and lines: a
/// locked list shared by every thread had its lock and storage move between
/// the cores on every message.
final class KeyedHMACContext: @unchecked Sendable {
    let pointer: OpaquePointer
    /// `maxSpares` slots, `slotStride` bytes apart; each holds a copy or NULL.
    private let slots: UnsafeMutableRawPointer
    static let maxSpares = 16
    private static let slotStride = 64

    init?(key: UnsafeRawBufferPointer) {
        guard let pointer = vendo_hmac_sha256_new(key.baseAddress?.assumingMemoryBound(to: UInt8.self), key.count)
        else { return nil }
        self.pointer = pointer
        slots = UnsafeMutableRawPointer.allocate(
            byteCount: Self.maxSpares * Self.slotStride, alignment: Self.slotStride)
        slots.initializeMemory(as: UInt8.self, repeating: 0, count: Self.maxSpares * Self.slotStride)
    }

    private func slot(_ index: Int) -> UnsafeMutablePointer<UnsafeMutableRawPointer?> {
        (slots + (index % Self.maxSpares) * Self.slotStride).assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
    }

    /// Where this thread starts looking: a mix of its identity, so threads
    /// spread over the slots.
    private static func firstSlot() -> Int {
        #if canImport(Darwin)
            let identity = UInt(bitPattern: pthread_self())
        #else
            let identity = UInt(pthread_self())
        #endif
        // Thread handles are aligned addresses: multiply so the high bits mix them all.
        return Int(truncatingIfNeeded: (UInt64(identity) &* 0x9E37_79B9_7F4A_7C15) >> 60) % maxSpares
    }

    /// Runs `body` with a working copy (and whether it was used before);
    /// `false` when libcrypto could not make one or `body` failed.
    func withWorkingCopy(_ body: (OpaquePointer, _ reused: Bool) -> Bool) -> Bool {
        let first = Self.firstSlot()
        var spare: OpaquePointer?
        for offset in 0..<Self.maxSpares where vendo_slot_is_full(slot(first + offset)) != 0 {
            // Looked at before taking: taking writes the line even when the slot is empty.
            if let taken = vendo_slot_take(slot(first + offset)) {
                spare = OpaquePointer(taken)
                break
            }
        }
        guard let copy = spare ?? vendo_hmac_sha256_copy(pointer) else { return false }
        guard body(copy, spare != nil) else {
            EVP_MAC_CTX_free(copy)  // a failed copy is not trusted again
            return false
        }
        for offset in 0..<Self.maxSpares {
            if vendo_slot_put(slot(first + offset), UnsafeMutableRawPointer(copy)) != 0 { return true }
        }
        EVP_MAC_CTX_free(copy)  // every slot is full
        return true
    }

    /// How many used copies wait for reuse (for tests).
    var spareCount: Int {
        (0..<Self.maxSpares).reduce(0) { $0 + (vendo_slot_is_full(slot($1)) != 0 ? 1 : 0) }
    }

    deinit {
        for index in 0..<Self.maxSpares {
            if let copy = vendo_slot_take(slot(index)) { EVP_MAC_CTX_free(OpaquePointer(copy)) }
        }
        slots.deallocate()
        EVP_MAC_CTX_free(pointer)
    }
}
