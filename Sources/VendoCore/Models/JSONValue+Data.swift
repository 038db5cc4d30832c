#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension JSONValue {
    /// The value as compact JSON text (object keys sorted, so equal values give equal bytes).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// Field readers that never fail: the platform may add, omit or retype fields,
/// and the SDK must keep decoding (see the protocol's tolerant-decoding rule).
extension Dictionary where Key == String, Value == JSONValue {
    /// A string field; numbers and Booleans are given as their JSON text; `null` or absent ⇒ `nil`.
    package func string(_ key: String) -> String? {
        switch self[key] {
        case .string(let value): return value
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        default: return nil
        }
    }

    /// An integer field; integral doubles and numeric strings are accepted.
    package func int(_ key: String) -> Int? {
        switch self[key] {
        case .string(let value): return Int(value.trimmedWhitespace)
        case let value?: return value.intValue
        case nil: return nil
        }
    }

    /// A Boolean field; `"true"`/`"false"` and 0/1 are accepted.
    package func bool(_ key: String) -> Bool? {
        switch self[key] {
        case .bool(let value): return value
        case .int(let value) where value == 0 || value == 1: return value == 1
        case .string(let value):
            switch value.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// An object field; anything else ⇒ `nil`.
    package func object(_ key: String) -> [String: JSONValue]? { self[key]?.objectValue }

    /// An array of strings; non-string elements are skipped.
    package func strings(_ key: String) -> [String]? {
        guard let array = self[key]?.arrayValue else { return nil }
        return array.compactMap(\.stringValue)
    }
}

/// Decodes a model from any JSON object, tolerant of extra and missing fields.
package protocol JSONObjectModel: Codable {
    /// Builds the model from an object's members.
    init(jsonObject: [String: JSONValue])
    /// The model as wire-format members (snake_case).
    var jsonObject: [String: JSONValue] { get }
}

extension JSONObjectModel {
    /// Decodes through ``JSONValue`` so unknown fields and odd types never fail decoding.
    package init(decodingObjectFrom decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(JSONValue.self)
        guard let object = value.objectValue else {
            throw DecodingError.typeMismatch(
                [String: JSONValue].self,
                DecodingError.Context(
                    codingPath: decoder.codingPath,
                    debugDescription: "Expected a JSON object for \(Self.self)"))
        }
        self.init(jsonObject: object)
    }

    /// Encodes the wire-format members.
    package func encodeObject(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(JSONValue.object(jsonObject))
    }
}

extension Optional where Wrapped == String {
    /// The string as a JSON value, `null` when absent.
    package var json: JSONValue { map(JSONValue.string) ?? .null }
}
