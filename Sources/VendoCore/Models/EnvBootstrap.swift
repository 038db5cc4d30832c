/// Which environment variables a connection wants written, and what to restart
/// after they change. The reconciler reads it (`Reconciler.catalogDefault`).
public struct EnvBootstrap: Codable, Equatable, Hashable, Sendable {
    /// One variable to write: its name and the connection field its value comes from.
    public struct Variable: Codable, Equatable, Hashable, Sendable {
        /// The environment variable to write, e.g. `SLACK_BOT_TOKEN`.
        public var name: String
        /// The field holding the value (wire `value_from`), e.g. `access_token`.
        public var valueFrom: String

        /// Creates a variable.
        public init(name: String, valueFrom: String) {
            self.name = name
            self.valueFrom = valueFrom
        }

        private enum CodingKeys: String, CodingKey {
            case name
            case valueFrom = "value_from"
        }

        /// Decodes `{"name", "value_from"}`; a missing field becomes `""`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = (try? container.decodeIfPresent(String.self, forKey: .name)) ?? ""
            valueFrom = (try? container.decodeIfPresent(String.self, forKey: .valueFrom)) ?? ""
        }
    }

    /// The variables to write, in order.
    public var vars: [Variable]
    /// What to restart after a change: `"gateway"` or `"none"` (the default). Other strings are kept.
    public var restart: String

    /// Creates a bootstrap spec.
    public init(vars: [Variable] = [], restart: String = "none") {
        self.vars = vars
        self.restart = restart
    }

    private enum CodingKeys: String, CodingKey { case vars, restart }

    /// Decodes tolerantly: missing `vars` ⇒ `[]`, missing `restart` ⇒ `"none"`,
    /// entries that are not objects are skipped.
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(JSONValue.self)
        guard let object = value.objectValue else {
            throw DecodingError.typeMismatch(
                EnvBootstrap.self,
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "Expected a JSON object"))
        }
        self.init(jsonObject: object)
    }

    package init(jsonObject object: [String: JSONValue]) {
        vars = (object["vars"]?.arrayValue ?? []).compactMap { value -> Variable? in
            guard let entry = value.objectValue else { return nil }
            return Variable(name: entry.string("name") ?? "", valueFrom: entry.string("value_from") ?? "")
        }
        restart = object.string("restart") ?? "none"
    }
}
