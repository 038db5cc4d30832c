import Foundation

extension Vendo {
    /// The header that carries the user's identity from Vendo's app proxy.
    public static let userJWTHeader = "X-Vendo-User-JWT"

    /// A new client with the same key and settings that acts for one user.
    ///
    /// It sends `X-Vendo-User-JWT: <jwt>` on every request: platform, credentials
    /// service, data proxy and event stream. Its tokens are cached apart from the
    /// deployment's, so user-scoped lookups resolve against that user's connections.
    ///
    /// - Throws: ``VendoError/vendoOnlyFeature(featureName:)`` in OSS mode;
    ///   ``VendoError/identityNotPresent(message:)`` for an empty JWT;
    ///   ``VendoError/validation(message:)`` for a JWT with control characters
    ///   (it could not be sent as a header).
    public nonisolated func forUser(jwt: String) throws -> Vendo {
        try context.requireVendoMode("forUser")
        guard let jwt = Configuration.nonEmpty(jwt) else {
            throw VendoError.identityNotPresent(
                message: "forUser(jwt:) got an empty JWT: pass the user's token (the X-Vendo-User-JWT header Vendo's app proxy sends).")
        }
        guard !jwt.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw VendoError.validation(
                message: "forUser(jwt:) got a JWT with control characters, which cannot travel in a header; pass the token exactly as received.")
        }
        var scoped = context
        scoped.userJWT = jwt
        return Vendo(context: scoped, clock: clock)
    }

    /// A client acting for the user of an incoming request: reads `X-Vendo-User-JWT`
    /// (name matched case-insensitively, value trimmed).
    ///
    /// - Throws: ``VendoError/vendoOnlyFeature(featureName:)`` in OSS mode;
    ///   ``VendoError/identityNotPresent(message:)`` when the header is absent or empty.
    public nonisolated func forRequest(headers: [String: String]) throws -> Vendo {
        try forRequest(headers: headers.lazy.map { ($0.key, $0.value) })
    }

    /// ``forRequest(headers:)`` for any sequence of name/value pairs, such as a server's header list.
    /// The first non-empty `X-Vendo-User-JWT` wins.
    public nonisolated func forRequest<Headers: Sequence>(headers: Headers) throws -> Vendo
    where Headers.Element == (String, String) {
        try context.requireVendoMode("forRequest")
        for (name, value) in headers
        where name.trimmingCharacters(in: .whitespaces).caseInsensitiveCompare(Self.userJWTHeader) == .orderedSame {
            if let jwt = Configuration.nonEmpty(value) { return try forUser(jwt: jwt) }
        }
        throw VendoError.identityNotPresent(
            message: "The request has no X-Vendo-User-JWT header: serve it behind Vendo's app proxy (VENDO_AUTH=1), which adds it, or call forUser(jwt:) with a token you hold.")
    }

    /// ``forRequest(headers:)`` for a sequence of labelled `(name:, value:)` pairs.
    public nonisolated func forRequest<Headers: Sequence>(headers: Headers) throws -> Vendo
    where Headers.Element == (name: String, value: String) {
        try forRequest(headers: headers.lazy.map { ($0.name, $0.value) })
    }
}
