/// The bundled bring-your-own-key catalogue: which environment variables hold
/// a provider's credential when the app runs without Vendo (OSS mode).
///
/// The catalogue ships inside the package as `byok.json` and is read once, the
/// first time any of these functions is called; no network is involved. Slugs
/// are matched exactly (`"openai"`, not `"OpenAI"`), as the platform spells them.
public enum BYOK {
    /// One integration of the catalogue.
    public struct Entry: Sendable, Equatable {
        /// The variables that hold the integration's credentials, primary first.
        public let envVars: [String]
        /// Whether the integration is normally connected through OAuth on Vendo
        /// (in OSS mode its token still comes from the variables above).
        public let oauth: Bool

        /// Creates an entry.
        public init(envVars: [String], oauth: Bool) {
            self.envVars = envVars
            self.oauth = oauth
        }

        /// The variable `token(_:)` reads in OSS mode: the first of ``envVars``.
        public var primaryEnvVar: String? { envVars.first }
    }

    /// The prefix of the per-slug token override variables (`VENDO_TOKEN_<SLUG>`).
    public static let tokenOverridePrefix = "VENDO_TOKEN_"

    /// The variable that holds `slug`'s token in OSS mode (`"openai"` → `"OPENAI_API_KEY"`),
    /// or `nil` when the slug is not in the catalogue.
    public static func primaryEnvVar(for slug: String) -> String? {
        BYOKCatalog.shared.entries[slug]?.primaryEnvVar
    }

    /// Every variable the integration reads, primary first; `[]` for an unknown slug.
    public static func allEnvVars(for slug: String) -> [String] {
        BYOKCatalog.shared.entries[slug]?.envVars ?? []
    }

    /// Whether `slug` is an OAuth integration; `false` for an unknown slug.
    public static func isOAuthSlug(_ slug: String) -> Bool {
        BYOKCatalog.shared.entries[slug]?.oauth ?? false
    }

    /// Every slug in the catalogue.
    public static func knownSlugs() -> Set<String> {
        Set(BYOKCatalog.shared.entries.keys)
    }

    /// The catalogue entry for `slug`, or `nil` when it is unknown.
    public static func entry(for slug: String) -> Entry? {
        BYOKCatalog.shared.entries[slug]
    }

    /// The override variable that wins over every other token source for `slug`,
    /// in every mode: the slug upper-cased with `-` turned into `_`
    /// (`"my-tool"` → `"VENDO_TOKEN_MY_TOOL"`).
    public static func envVarName(forTokenOverride slug: String) -> String {
        // Slugs are ASCII in practice: map the bytes (no Unicode case tables), else the full rule.
        if slug.utf8.allSatisfy({ $0 < 0x80 }) {
            var name = Array(tokenOverridePrefix.utf8)
            name.reserveCapacity(name.count + slug.utf8.count)
            for byte in slug.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): name.append(byte - 0x20)
                case UInt8(ascii: "-"): name.append(UInt8(ascii: "_"))
                default: name.append(byte)
                }
            }
            return String(decoding: name, as: UTF8.self)
        }
        return tokenOverridePrefix + String(slug.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}
