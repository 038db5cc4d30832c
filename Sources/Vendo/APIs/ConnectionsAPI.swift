import Foundation

/// The connections of the deployment, or of the user on a user-scoped client (`vendo.connections`).
public struct ConnectionsAPI: Sendable {
    let context: ClientContext
    let flight = SingleFlight<[Connection]>()

    init(context: ClientContext) {
        self.context = context
    }

    /// Every connection, connected or available.
    ///
    /// Vendo mode: `GET {base}/api/deployments/me/connections`; concurrent calls
    /// share one request. OSS mode: no request; the slugs listed in
    /// `VENDO_CONNECTIONS` (comma-separated) as connected entries with no
    /// context, else an empty list.
    public func list() async throws -> [Connection] {
        guard context.isVendoMode else { return Self.offline(env: context.env) }
        let context = self.context
        return try await flight.run {
            let url = URLEncoding.url(context.baseURL, segments: ["api", "deployments", "me", "connections"])
            let body = try await HTTPClient(context: context).json("GET", url, service: .platform)
            let items = body["connections"]?.arrayValue ?? body.arrayValue ?? []
            return items.compactMap { $0.objectValue.map(Connection.init(jsonObject:)) }
        }
    }

    /// The connection for `slug` from ``list()``, or `nil` when the slug is not in
    /// the deployment's catalogue (an unbound entry comes back with status `available`).
    public func get(slug: String) async throws -> Connection? {
        let slug = try Vendo.validSlug(slug, in: "connections.get(slug:)")
        return try await list().first { $0.slug == slug }
    }

    /// `VENDO_CONNECTIONS` as connected entries.
    static func offline(env: [String: String]) -> [Connection] {
        guard let list = Configuration.nonEmpty(env["VENDO_CONNECTIONS"]) else { return [] }
        var seen = Set<String>()
        return list.split(separator: ",").compactMap { part in
            guard let slug = Configuration.nonEmpty(String(part)), seen.insert(slug).inserted else { return nil }
            return Connection(slug: slug, profile: .byokStatic, status: .connected)
        }
    }
}
