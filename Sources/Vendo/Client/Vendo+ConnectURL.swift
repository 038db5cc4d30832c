import Foundation

extension Vendo {
    /// The Vendo Connect page for a provider: send the user there to connect it.
    ///
    /// Shape: `{base}/connections/connect/{slug}?app_key=<api key>[&return_to=…][&state=…]`,
    /// query values form-encoded, any trailing `/api` or `/` dropped from the base.
    ///
    /// - Parameters:
    ///   - slug: the provider, e.g. `"slack"`.
    ///   - returnTo: where Vendo sends the user back afterwards.
    ///   - state: an opaque value handed back with the user.
    /// - Throws: ``VendoError/vendoOnlyFeature(featureName:)`` in OSS mode;
    ///   ``VendoError/validation(message:)`` for an empty slug.
    public nonisolated func connectURL(slug: String, returnTo: String? = nil, state: String? = nil) throws -> URL {
        try context.requireVendoMode("connectURL")
        guard let apiKey = context.apiKey else { throw VendoError.vendoOnlyFeature(featureName: "connectURL") }
        return try Self.buildConnectURL(
            base: context.baseURL, slug: slug, apiKey: apiKey, returnTo: returnTo, state: state)
    }

    /// The Vendo Connect page for a provider, without a client.
    ///
    /// - Parameters:
    ///   - slug: the provider.
    ///   - apiKey: the deployment key; empty or `"byok"` throws `.vendoOnlyFeature`.
    ///   - baseURL: the platform base; `nil` means `VENDO_BASE_URL` from `env`, else `https://vendo.run`.
    ///   - returnTo: where Vendo sends the user back afterwards.
    ///   - state: an opaque value handed back with the user.
    ///   - env: where `VENDO_BASE_URL` is read.
    /// - Throws: `.vendoOnlyFeature` without a key, `.validation` for an empty slug,
    ///   `.other(code: "invalid_configuration")` for an unusable base URL.
    public static func connectURL(
        slug: String, apiKey: String, baseURL: String? = nil, returnTo: String? = nil, state: String? = nil,
        env: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> URL {
        guard let key = Configuration.apiKey(argument: apiKey, env: [:]) else {
            throw VendoError.vendoOnlyFeature(featureName: "connectURL")
        }
        let base = try Configuration.url(
            argument: baseURL, variable: "VENDO_BASE_URL", default: Configuration.defaultBaseURL, env: env)
        return try buildConnectURL(base: base, slug: slug, apiKey: key, returnTo: returnTo, state: state)
    }

    static func buildConnectURL(
        base: URL, slug: String, apiKey: String, returnTo: String?, state: String?
    ) throws -> URL {
        let slug = try validSlug(slug, in: "connectURL(slug:)")
        var root = base.absoluteString
        while root.hasSuffix("/") || root.hasSuffix("/api") {
            root.removeLast(root.hasSuffix("/") ? 1 : 4)
        }
        var query = [("app_key", URLEncoding.formValue(apiKey))]
        if let returnTo = Configuration.nonEmpty(returnTo) {
            query.append(("return_to", URLEncoding.formValue(returnTo)))
        }
        if let state = Configuration.nonEmpty(state) { query.append(("state", URLEncoding.formValue(state))) }
        guard let rootURL = URL(string: root) else {
            throw VendoError.other(
                code: VendoErrorCode.invalidConfiguration,
                message: "The base URL \"\(base.absoluteString)\" leaves no usable root once /api is dropped.",
                status: nil)
        }
        return URLEncoding.url(
            rootURL, segments: ["connections", "connect", URLEncoding.pathSegment(slug)], query: query)
    }
}
