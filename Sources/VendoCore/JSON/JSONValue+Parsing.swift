#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension JSONValue {
    /// How deeply arrays and objects may nest in JSON read by ``parse(utf8:maxDepth:)``, by default.
    public static let defaultMaxParsingDepth = JSONParser.defaultMaxDepth

    /// Parses UTF-8 JSON text strictly and fast, without Foundation: the parser
    /// behind webhook verification, API responses and event payloads (about 20×
    /// quicker than `JSONDecoder` into ``JSONValue``; see `Benchmarks/Micro`).
    ///
    /// Strict means RFC 8259 only: no comments, trailing commas, `NaN`, byte
    /// order mark, invalid UTF-8 or lone surrogates; numbers must be finite.
    /// Integers that fit become ``int(_:)``, other numbers ``double(_:)``; a
    /// repeated object key keeps its last value.
    ///
    /// ```swift
    /// let value = try JSONValue.parse(utf8: body)          // [UInt8], Data, a slice…
    /// let other = try JSONValue.parse(utf8: text.utf8)     // a String
    /// ```
    ///
    /// - Parameter maxDepth: the deepest nesting of arrays and objects accepted.
    /// - Throws: ``VendoError/validation(message:)`` naming the byte offset and the problem.
    public static func parse(utf8 bytes: some Collection<UInt8>, maxDepth: Int = JSONValue.defaultMaxParsingDepth) throws -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { parse(UnsafeRawBufferPointer($0), maxDepth: maxDepth) }
            ?? Array(bytes).withUnsafeBytes { parse($0, maxDepth: maxDepth) }
        return try result.get()
    }

    /// Parses JSON text with the strict parser of ``parse(utf8:maxDepth:)``.
    ///
    /// ```swift
    /// let value = try JSONValue(parsing: response.body)
    /// ```
    ///
    /// - Parameters:
    ///   - data: UTF-8 JSON text: one value, surrounding whitespace allowed.
    ///   - maxDepth: the deepest nesting of arrays and objects accepted.
    /// - Throws: ``VendoError/validation(message:)`` when `data` is not one JSON
    ///   value, e.g. `invalid JSON at byte 5: unexpected '1', expected ':' after an object key`.
    public init(parsing data: Data, maxDepth: Int = JSONValue.defaultMaxParsingDepth) throws {
        self = try data.withUnsafeBytes { JSONValue.parse($0, maxDepth: maxDepth) }.get()
    }

    /// Parses JSON text given as a string, as the `Data` overload does.
    ///
    /// - Parameters:
    ///   - text: JSON text: one value, surrounding whitespace allowed.
    ///   - maxDepth: the deepest nesting of arrays and objects accepted.
    /// - Throws: ``VendoError/validation(message:)`` naming the byte offset (in UTF-8) and the problem.
    public init(parsing text: String, maxDepth: Int = JSONValue.defaultMaxParsingDepth) throws {
        self = try JSONValue.parse(utf8: text.utf8, maxDepth: maxDepth)
    }

    package static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) -> Result<JSONValue, VendoError> {
        do throws(JSONParser.Failure) {
            return .success(try JSONParser.parse(bytes, maxDepth: maxDepth))
        } catch {
            return .failure(.validation(message: "invalid JSON at byte \(error.offset): \(error.reason)"))
        }
    }
}
