import Foundation

/// Vendo's integration catalogue (`vendo.integrations`). Works in both modes.
public struct IntegrationsAPI: Sendable {
    let context: ClientContext

    init(context: ClientContext) {
        self.context = context
    }

    /// Every integration: `GET {base}/api/integrations`.
    ///
    /// Accepts `{"integrations": […]}` and a bare array (what a session-authenticated caller gets).
    public func list() async throws -> [Integration] {
        let url = URLEncoding.url(context.baseURL, segments: ["api", "integrations"])
        let body = try await HTTPClient(context: context).json("GET", url, service: .platform)
        let items = body["integrations"]?.arrayValue ?? body.arrayValue ?? []
        return items.compactMap { $0.objectValue.map(Integration.init(jsonObject:)) }
    }

    /// One integration: `GET {base}/api/integrations/{slug}`; `nil` when the platform answers 404.
    public func get(slug: String) async throws -> Integration? {
        let slug = try Vendo.validSlug(slug, in: "integrations.get(slug:)")
        let url = URLEncoding.url(context.baseURL, segments: ["api", "integrations", URLEncoding.pathSegment(slug)])
        let response = try await HTTPClient(context: context).send("GET", url, service: .platform, passThrough: [404])
        if response.status == 404 { return nil }
        let body = try HTTPClient.decodeJSON(response, url: url)
        let object = body["integration"]?.objectValue ?? body.objectValue
        return object.map(Integration.init(jsonObject:))
    }

    /// The BYOK variables the integration reads, primary first, from the bundled
    /// catalogue; `[]` for a slug outside it. No network.
    public func envVars(for slug: String) -> [String] {
        BYOK.allEnvVars(for: slug)
    }
}
