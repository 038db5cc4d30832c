import Foundation
import Vendo

/// The alternatives measured against the strict byte parser (see README.md).
enum FoundationJSON {
    /// `JSONDecoder` into the generic `JSONValue` enum (its `Codable` conformance).
    static func viaDecoder(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// `JSONSerialization` into Foundation objects, then converted to `JSONValue`.
    static func viaSerialization(_ data: Data) throws -> JSONValue {
        convert(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
    }

    private static func convert(_ object: Any) -> JSONValue {
        switch object {
        case let dictionary as [String: Any]: return .object(dictionary.mapValues(convert))
        case let array as [Any]: return .array(array.map(convert))
        case let string as String: return .string(string)
        case let number as NSNumber:
            if number.objCType.pointee == CChar(UInt8(ascii: "c")) { return .bool(number.boolValue) }  // Booleans are "c"
            let double = number.doubleValue
            if double.rounded() == double, let int = Int(exactly: number.int64Value), Double(int) == double {
                return .int(int)
            }
            return .double(double)
        default: return .null
        }
    }
}
