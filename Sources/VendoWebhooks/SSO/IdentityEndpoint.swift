import VendoCore
import VendoHTTPServer

/// Serves the signed-in user's identity as JSON, as the SDKs'
/// `identity_response` shapes it; `{}` when there is none.
///
/// It reads only the identity ``SSOMiddleware`` attached, never raw headers,
/// so mounted without the middleware (or not behind the proxy) it answers
/// `{}`: a client cannot make it echo a forged identity. Recommended path:
/// `/api/vendo/identity` (``WebhookEndpoint`` mounts it there by default).
public struct IdentityEndpoint: HTTPResponder {
    /// Creates the endpoint.
    public init() {}

    /// GET/HEAD ⇒ 200 JSON; other methods ⇒ 405 with `Allow: GET, HEAD`.
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        guard request.method == .get || request.method == .head else {
            var headers = HTTPHeaders()
            headers.add(name: "Allow", value: "GET, HEAD")
            return ReceiverResponses.error(
                status: .methodNotAllowed, code: "method_not_allowed", message: "use GET to read the identity",
                extraHeaders: headers)
        }
        guard request.vendoIdentity != nil else { return .json(Array("{}".utf8)) }
        let fields = SSO.identityResponse(headers: request.headers)
        return .json(JSONText.object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
    }
}
