/// One entry of Vendo's integration catalogue.
///
/// Decoding is tolerant: the public catalogue's `provider` is accepted for
/// `slug`; `description` defaults to `""`, `featured` to `false`, `enabled` to
/// `true` (an entry the platform lists is offered unless it says otherwise),
/// and `supportedProfiles` to `[defaultProfile]`.
public struct Integration: Codable, Equatable, Hashable, Sendable {
    /// The canonical slug, e.g. `"notion"`.
    public var slug: String
    /// Human-readable name (the slug when absent).
    public var name: String
    /// Short description.
    public var description: String
    /// Category (`""` when absent).
    public var category: String
    /// Logo URL.
    public var logoURL: String?
    /// Brand colour (hex).
    public var brandColor: String?
    /// Documentation URL.
    public var docsURL: String?
    /// Profiles the integration supports (wire strings, e.g. `"user_oauth"`).
    public var supportedProfiles: [String]
    /// The profile used unless the tenant chose another.
    public var defaultProfile: String
    /// Whether the catalogue offers it.
    public var enabled: Bool
    /// Whether it is featured.
    public var featured: Bool

    /// Creates an integration.
    public init(
        slug: String, name: String? = nil, description: String = "", category: String = "",
        logoURL: String? = nil, brandColor: String? = nil, docsURL: String? = nil,
        supportedProfiles: [String]? = nil, defaultProfile: String = "", enabled: Bool = true,
        featured: Bool = false
    ) {
        self.slug = slug
        self.name = name ?? slug
        self.description = description
        self.category = category
        self.logoURL = logoURL
        self.brandColor = brandColor
        self.docsURL = docsURL
        self.supportedProfiles = supportedProfiles ?? (defaultProfile.isEmpty ? [] : [defaultProfile])
        self.defaultProfile = defaultProfile
        self.enabled = enabled
        self.featured = featured
    }

    /// Decodes the wire form tolerantly (see the type's description).
    public init(from decoder: any Decoder) throws {
        try self.init(decodingObjectFrom: decoder)
    }

    /// Encodes the snake_case wire form.
    public func encode(to encoder: any Encoder) throws {
        try encodeObject(to: encoder)
    }
}

extension Integration: JSONObjectModel {
    package init(jsonObject o: [String: JSONValue]) {
        self.init(
            slug: o.string("slug") ?? o.string("provider") ?? "", name: o.string("name"),
            description: o.string("description") ?? "", category: o.string("category") ?? "",
            logoURL: o.string("logo_url"), brandColor: o.string("brand_color"),
            docsURL: o.string("docs_url"), supportedProfiles: o.strings("supported_profiles"),
            defaultProfile: o.string("default_profile") ?? "", enabled: o.bool("enabled") ?? true,
            featured: o.bool("featured") ?? false)
    }

    package var jsonObject: [String: JSONValue] {
        [
            "slug": .string(slug), "name": .string(name), "description": .string(description),
            "category": .string(category), "logo_url": logoURL.json, "brand_color": brandColor.json,
            "docs_url": docsURL.json, "supported_profiles": .array(supportedProfiles.map(JSONValue.string)),
            "default_profile": .string(defaultProfile), "enabled": .bool(enabled),
            "featured": .bool(featured),
        ]
    }
}
