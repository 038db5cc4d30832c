import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Calls a provider's own API with the provider's token (from ``Vendo/session(_:)``).
///
/// Each request gets `Authorization: Bearer <token>` (replacing any the request
/// had). The token is fetched on the first request, through the client's shared
/// cache. When the provider answers 401, the session invalidates the token,
/// fetches it again and retries the request once; the second answer is returned
/// whatever it is. Responses are the provider's, returned as they are: only
/// token resolution throws ``VendoError``. The Vendo API key and user JWT are
/// never sent to the provider.
public struct AuthorizedSession: Sendable {
    /// The provider whose token is used.
    public let slug: String
    let client: Vendo

    init(slug: String, client: Vendo) {
        self.slug = slug
        self.client = client
    }

    /// The token the next request would use (cached or fetched now).
    public func token() async throws -> String {
        try await client.token(slug)
    }

    /// Sends a request through the client's transport with the token attached.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let transport = client.context.transport
        let first = try await transport.send(authorized(request, token: try await client.token(slug)))
        guard first.status == 401 else { return first }
        await client.invalidate(slug)
        return try await transport.send(authorized(request, token: try await client.token(slug)))
    }

    /// Sends a `URLRequest` (method, headers, body and timeout kept) with the token attached.
    public func data(for request: URLRequest) async throws -> (Data, HTTPURLResponse) {
        guard let url = request.url else {
            throw VendoError.validation(message: "AuthorizedSession.data(for:) got a URLRequest without a URL.")
        }
        let response = try await send(TransportRequest(
            method: request.httpMethod ?? "GET", url: url, headers: request.allHTTPHeaderFields ?? [:],
            body: request.httpBody, timeout: request.timeoutInterval > 0 ? request.timeoutInterval : client.context.timeout))
        guard let http = HTTPURLResponse(
            url: url, statusCode: response.status, httpVersion: "HTTP/1.1", headerFields: response.headers)
        else {
            throw VendoError.other(
                code: VendoErrorCode.invalidResponse, message: "Could not represent the response from \(url.redactedDescription).",
                status: response.status)
        }
        return (response.body, http)
    }

    /// `GET url` with the token attached.
    public func data(from url: URL) async throws -> (Data, HTTPURLResponse) {
        var request = URLRequest(url: url)
        request.timeoutInterval = client.context.timeout
        return try await data(for: request)
    }

    private func authorized(_ request: TransportRequest, token: String) -> TransportRequest {
        var request = request
        for name in request.headers.keys where name.caseInsensitiveCompare("Authorization") == .orderedSame {
            request.headers[name] = nil
        }
        request.headers["Authorization"] = "Bearer \(token)"
        return request
    }
}
