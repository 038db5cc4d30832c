/// One provider connection of the deployment (or of the user, on a user-scoped client).
///
/// Decoding is tolerant, as the platform evolves: unknown fields are ignored,
/// missing optional fields are `nil`, a missing `metadata` is `{}`, unknown
/// `status`/`profile` strings are kept, and `provider` is accepted for `slug`.
/// Encoding writes the snake_case wire form.
public struct Connection: Codable, Equatable, Hashable, Sendable {
    /// The connection's UUID; `nil` on `available` entries and from older platforms.
    public var id: String?
    /// The provider-side identifier (user, account or bot ID).
    public var externalID: String?
    /// The provider slug, e.g. `"slack"`.
    public var slug: String
    /// Human-readable provider name (the slug when the platform sends none).
    public var displayName: String
    /// Provider category, e.g. `"database"` (`""` when absent).
    public var category: String
    /// How the credential is managed.
    public var profile: ConnectionProfile
    /// Where the connection stands.
    public var status: ConnectionStatus
    /// Raw provider metadata (`{}` when absent). Prefer ``context`` for discovery identifiers.
    public var metadata: [String: JSONValue]
    /// Discovery identifiers, e.g. `["ref": "…"]` for Supabase; `nil` for most providers.
    public var context: [String: JSONValue]?
    /// The credential payload, for connections that expose one.
    public var credential: [String: JSONValue]?
    /// A static key, for profiles that carry one.
    public var apiKey: String?
    /// The provider base URL, when the connection pins one.
    public var baseURL: String?
    /// Where to connect it; set on `available` entries.
    public var setupURL: String?
    /// What went wrong, when `status` is `error` or `needs_reauth`.
    public var errorMessage: String?
    /// When the connection was established (RFC 3339).
    public var connectedAt: String?
    /// The provider's logo.
    public var logoURL: String?
    /// The provider's brand colour (hex).
    public var brandColor: String?
    /// The provider's documentation.
    public var docsURL: String?
    /// Whether the connection is exclusive to this deployment.
    public var exclusive: Bool?
    /// Which environment variables the reconciler should write for it.
    public var envBootstrap: EnvBootstrap?

    /// Creates a connection; everything but the slug has a default.
    public init(
        id: String? = nil, externalID: String? = nil, slug: String, displayName: String? = nil,
        category: String = "", profile: ConnectionProfile = "", status: ConnectionStatus = .connected,
        metadata: [String: JSONValue] = [:], context: [String: JSONValue]? = nil,
        credential: [String: JSONValue]? = nil, apiKey: String? = nil, baseURL: String? = nil,
        setupURL: String? = nil, errorMessage: String? = nil, connectedAt: String? = nil,
        logoURL: String? = nil, brandColor: String? = nil, docsURL: String? = nil,
        exclusive: Bool? = nil, envBootstrap: EnvBootstrap? = nil
    ) {
        self.id = id
        self.externalID = externalID
        self.slug = slug
        self.displayName = displayName ?? slug
        self.category = category
        self.profile = profile
        self.status = status
        self.metadata = metadata
        self.context = context
        self.credential = credential
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.setupURL = setupURL
        self.errorMessage = errorMessage
        self.connectedAt = connectedAt
        self.logoURL = logoURL
        self.brandColor = brandColor
        self.docsURL = docsURL
        self.exclusive = exclusive
        self.envBootstrap = envBootstrap
    }

    /// Whether ``status`` is `connected`.
    public var isConnected: Bool { status == .connected }

    /// Decodes the wire form tolerantly (see the type's description).
    public init(from decoder: any Decoder) throws {
        try self.init(decodingObjectFrom: decoder)
    }

    /// Encodes the snake_case wire form; `nil` fields are written as `null`.
    public func encode(to encoder: any Encoder) throws {
        try encodeObject(to: encoder)
    }
}

extension Connection: JSONObjectModel {
    package init(jsonObject o: [String: JSONValue]) {
        let slug = o.string("slug") ?? o.string("provider") ?? ""
        let bootstrap = o.object("env_bootstrap").map(EnvBootstrap.init(jsonObject:))
        self.init(
            id: o.string("id"), externalID: o.string("external_id"), slug: slug,
            displayName: o.string("display_name") ?? slug, category: o.string("category") ?? "",
            profile: ConnectionProfile(rawValue: o.string("profile") ?? ""),
            status: ConnectionStatus(rawValue: o.string("status") ?? ""),
            metadata: o.object("metadata") ?? [:], context: o.object("context"),
            credential: o.object("credential"), apiKey: o.string("api_key"),
            baseURL: o.string("base_url"), setupURL: o.string("setup_url"),
            errorMessage: o.string("error_message"), connectedAt: o.string("connected_at"),
            logoURL: o.string("logo_url"), brandColor: o.string("brand_color"),
            docsURL: o.string("docs_url"), exclusive: o.bool("exclusive"), envBootstrap: bootstrap)
    }

    package var jsonObject: [String: JSONValue] {
        var bootstrap = JSONValue.null
        if let envBootstrap {
            bootstrap = .object([
                "vars": .array(envBootstrap.vars.map {
                    .object(["name": .string($0.name), "value_from": .string($0.valueFrom)])
                }),
                "restart": .string(envBootstrap.restart),
            ])
        }
        return [
            "id": id.json, "external_id": externalID.json, "slug": .string(slug),
            "display_name": .string(displayName), "category": .string(category),
            "profile": .string(profile.rawValue), "status": .string(status.rawValue),
            "metadata": .object(metadata), "context": context.map(JSONValue.object) ?? .null,
            "credential": credential.map(JSONValue.object) ?? .null, "api_key": apiKey.json,
            "base_url": baseURL.json, "setup_url": setupURL.json, "error_message": errorMessage.json,
            "connected_at": connectedAt.json, "logo_url": logoURL.json, "brand_color": brandColor.json,
            "docs_url": docsURL.json, "exclusive": exclusive.map(JSONValue.bool) ?? .null,
            "env_bootstrap": bootstrap,
        ]
    }
}
