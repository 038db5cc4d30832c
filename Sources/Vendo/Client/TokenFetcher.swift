import Foundation

/// Calls the credentials service: one slug, or many in one bulk request.
struct TokenFetcher: Sendable {
    let context: ClientContext

    /// `GET {credentials}/{slug}` ⇒ `{"access_token", "expires_at"}`.
    func fetch(_ slug: String) async throws -> FetchedToken {
        let url = URLEncoding.url(context.credentialsURL, segments: [URLEncoding.pathSegment(slug)])
        let body = try await HTTPClient(context: context).json("GET", url, service: .credentials)
        guard let object = body.objectValue, let token = Self.parse(object) else {
            throw VendoError.other(
                code: VendoErrorCode.invalidResponse,
                message: "The credentials service answered for \"\(slug)\" without an access_token; check VENDO_CREDENTIALS_URL.",
                status: 200)
        }
        return token
    }

    /// `GET {credentials}/_bulk?slugs=a,b,c` ⇒ `{"tokens": {slug: {…} or null}}`.
    /// A slug that is missing, `null` or without `access_token` maps to `nil`.
    func fetchBulk(_ slugs: [String]) async throws -> [String: FetchedToken?] {
        let list = slugs.map(URLEncoding.formValue).joined(separator: ",")
        let url = URLEncoding.url(context.credentialsURL, segments: ["_bulk"], query: [("slugs", list)])
        let body = try await HTTPClient(context: context).json("GET", url, service: .credentials)
        guard let tokens = body["tokens"]?.objectValue else {
            throw VendoError.other(
                code: VendoErrorCode.invalidResponse,
                message: "The credentials service's bulk answer has no \"tokens\" object; check VENDO_CREDENTIALS_URL.",
                status: 200)
        }
        var result: [String: FetchedToken?] = [:]
        for slug in slugs {
            result[slug] = .some(tokens[slug]?.objectValue.flatMap(Self.parse))
        }
        return result
    }

    /// `access_token` (non-empty string) and `expires_at` (RFC 3339, or epoch seconds; else none).
    static func parse(_ object: [String: JSONValue]) -> FetchedToken? {
        guard let token = object["access_token"]?.stringValue, !token.isEmpty else { return nil }
        var expiresAt: Date?
        switch object["expires_at"] {
        case .string(let text): expiresAt = RFC3339.parse(text)
        case .int(let seconds): expiresAt = Date(timeIntervalSince1970: TimeInterval(seconds))
        case .double(let seconds): expiresAt = Date(timeIntervalSince1970: seconds)
        default: expiresAt = nil
        }
        return FetchedToken(token: token, expiresAt: expiresAt)
    }
}
