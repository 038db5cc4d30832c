#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VendoCore
import VendoHTTPServer

/// The slot in `HTTPRequest.userInfo` where ``SSOMiddleware`` puts the signed-in user.
public enum VendoIdentityKey: RequestUserInfoKey {
    /// The identity read from the app-proxy's headers.
    public typealias Value = VendoIdentity
}

/// Reads the Vendo app-proxy's identity headers, only when they can be trusted.
///
/// Behind the proxy (`VENDO_AUTH=1`, or `trustProxy: true`) the proxy strips
/// client-sent `X-Vendo-*` headers and injects `X-Vendo-User-Id`,
/// `X-Vendo-User-Email`, `X-Vendo-User-Name`, `X-Vendo-Tenant-Id`,
/// `X-Vendo-Role` (and `X-Vendo-User-JWT`). The middleware turns them into a
/// `VendoIdentity` at `request.userInfo[VendoIdentityKey.self]`
/// (``VendoHTTPServer/HTTPRequest/vendoIdentity``).
///
/// Not behind the proxy, those headers could come from anyone: the middleware
/// removes them from the request before the next responder sees it, so no
/// handler can mistake a spoofed header for a user.
///
/// With `requireIdentity`, a request without an identity gets 401
/// `identity_not_present` (see also ``RequireIdentityMiddleware`` to require
/// it on some routes only).
public struct SSOMiddleware: HTTPMiddleware {
    /// The identity headers the proxy injects (and that are stripped when untrusted).
    public static let identityHeaderNames = [
        "X-Vendo-User-Id", "X-Vendo-User-Email", "X-Vendo-User-Name", "X-Vendo-Tenant-Id", "X-Vendo-Role",
        "X-Vendo-User-JWT",
    ]

    /// Whether identity headers are believed.
    public let trustsProxy: Bool
    /// Whether requests without an identity are refused with 401.
    public let requireIdentity: Bool

    /// Creates the middleware.
    /// - Parameters:
    ///   - trustProxy: `nil` (default) ⇒ trust exactly when `VENDO_AUTH=1` in `environment`.
    ///   - requireIdentity: refuse requests without an identity (401).
    public init(
        trustProxy: Bool? = nil, requireIdentity: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.trustsProxy = trustProxy ?? SSO.isEnabled(env: environment)
        self.requireIdentity = requireIdentity
    }

    /// Attaches the identity (trusted) or strips the headers (untrusted), then calls `next`.
    public func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        var request = request
        if trustsProxy {
            // The SDK reads the header list itself, so a repeated identity header counts as none.
            if let identity = SSO.identity(fromHeaders: request.headers) {
                request.userInfo[VendoIdentityKey.self] = identity
            }
        } else {
            for name in Self.identityHeaderNames { request.headers.remove(name: name) }
            request.userInfo[VendoIdentityKey.self] = nil
        }
        if requireIdentity, request.vendoIdentity == nil {
            return IdentityResponses.identityNotPresent()
        }
        return try await next.respond(to: request)
    }
}

/// Refuses requests that carry no identity with 401 `identity_not_present`.
/// Put it inside ``SSOMiddleware`` (which attaches the identity).
public struct RequireIdentityMiddleware: HTTPMiddleware {
    /// Creates the middleware.
    public init() {}

    /// Calls `next` only when the request has an identity.
    public func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        guard request.vendoIdentity != nil else { return IdentityResponses.identityNotPresent() }
        return try await next.respond(to: request)
    }
}

extension HTTPRequest {
    /// The signed-in user, when ``SSOMiddleware`` trusted the proxy and found one.
    public var vendoIdentity: VendoIdentity? { userInfo[VendoIdentityKey.self] }

}

/// Responses shared by the identity middleware and endpoint.
enum IdentityResponses {
    static func identityNotPresent() -> HTTPResponse {
        ReceiverResponses.error(
            status: .unauthorized, code: "identity_not_present",
            message: "this route needs a signed-in Vendo user; open the app through its Vendo URL (VENDO_AUTH=1 behind the app-proxy)")
    }
}
