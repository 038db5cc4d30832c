/// The signed-in user the Vendo app-proxy puts in front of the app when
/// `VENDO_AUTH=1` (see ``SSO``). On the wire (JSON) the fields are snake_case:
/// `user_id`, `email`, `name`, `tenant_id`, `role`.
public struct VendoIdentity: Sendable, Equatable, Hashable, Codable {
    /// The user's role in the tenant. Unknown roles are kept as sent.
    public struct Role: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
        /// The role's text, e.g. `"owner"`.
        public let rawValue: String
        /// Creates a role from its text.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Creates a role from a string literal.
        public init(stringLiteral value: String) { self.rawValue = value }
        /// The role's text.
        public var description: String { rawValue }

        /// Owns the tenant.
        public static let owner: Role = "owner"
        /// A member of the tenant.
        public static let member: Role = "member"
        /// Read-only access.
        public static let viewer: Role = "viewer"

        /// Decodes the role from a plain string.
        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        /// Encodes the role as a plain string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// The user's id (`X-Vendo-User-Id`).
    public let userID: String
    /// The user's email address (`X-Vendo-User-Email`).
    public let email: String
    /// The user's display name (`X-Vendo-User-Name`); may be empty.
    public let name: String
    /// The tenant the user acts in (`X-Vendo-Tenant-Id`).
    public let tenantID: String
    /// The user's role in the tenant (`X-Vendo-Role`).
    public let role: Role

    /// Creates an identity.
    public init(userID: String, email: String, name: String = "", tenantID: String, role: Role) {
        self.userID = userID
        self.email = email
        self.name = name
        self.tenantID = tenantID
        self.role = role
    }

    enum CodingKeys: String, CodingKey {
        case userID = "user_id"
        case email
        case name
        case tenantID = "tenant_id"
        case role
    }

    /// Decodes the snake_case form; a missing `name` is `""`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        userID = try container.decode(String.self, forKey: .userID)
        email = try container.decode(String.self, forKey: .email)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        tenantID = try container.decode(String.self, forKey: .tenantID)
        role = try container.decode(Role.self, forKey: .role)
    }

    /// The identity endpoint's JSON members (`user_id`, `email`, `name`, `tenant_id`, `role`).
    public var fields: [String: String] {
        ["user_id": userID, "email": email, "name": name, "tenant_id": tenantID, "role": role.rawValue]
    }
}
