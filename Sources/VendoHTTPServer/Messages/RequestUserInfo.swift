/// A key for a typed slot in `RequestUserInfo`: declare an enum per slot.
///
/// ```swift
/// enum IdentityKey: RequestUserInfoKey { typealias Value = VerifiedIdentity }
/// request.userInfo[IdentityKey.self] = identity
/// ```
public protocol RequestUserInfoKey {
    /// The type stored under this key.
    associatedtype Value: Sendable
}

/// Typed values middleware attaches to a request for handlers further in.
/// Keys are types, so two modules cannot collide by picking the same string.
public struct RequestUserInfo: Sendable {
    private var storage: [ObjectIdentifier: any Sendable] = [:]

    /// An empty set of slots.
    public init() {}

    /// The value stored for `key`, or `nil`; assigning `nil` removes it.
    public subscript<Key: RequestUserInfoKey>(_ key: Key.Type) -> Key.Value? {
        get { storage[ObjectIdentifier(key)] as? Key.Value }
        set { storage[ObjectIdentifier(key)] = newValue }
    }
}
