/// A strict RFC 8259 JSON parser from UTF-8 bytes straight to ``JSONValue``.
///
/// Why not Foundation: decoding a 1 KiB event into a generic enum through
/// `JSONDecoder` costs tens of microseconds, most of the budget of a webhook
/// endpoint that aims at 100k deliveries a second (see
/// `Benchmarks/Micro/README.md` for the measured alternatives).
///
/// Strict means: only the RFC 8259 grammar (no comments, trailing commas,
/// single quotes, `NaN`, leading `+` or zeros, bare control characters in
/// strings), well-formed UTF-8 only (no overlong forms, surrogates or bytes
/// above U+10FFFF), escaped surrogates only in valid pairs, no byte order mark,
/// and nothing but whitespace after the value. Limits: nesting depth
/// (`maxDepth`), and numbers must be finite as `Double`. A repeated object key
/// keeps its last value, as Python's `json` does.
///
/// Two entry points share one grammar: ``parse(_:maxDepth:)`` builds the whole
/// value; ``scanEnvelope(_:maxDepth:)`` validates the whole text just as
/// strictly but builds only the top-level `id`, `type` and `occurred_at`, and
/// notes where `data` lies so it can be built later, on demand.
package struct JSONParser {
    /// What went wrong and where (a byte offset into the input).
    package struct Failure: Error, Equatable {
        package let offset: Int
        package let reason: String
    }

    /// The default nesting limit: deep enough for any real payload, shallow
    /// enough that the recursive descent stays far from the end of a thread's stack.
    package static let defaultMaxDepth = 256

    private let bytes: UnsafeRawBufferPointer
    private let maxDepth: Int
    private var index = 0
    private var depth = 0
    /// Reused for strings that contain escapes.
    private var scratch: [UInt8] = []
    /// Members of the objects being parsed, innermost last: each object's
    /// dictionary is built once at its exact size, so it never rehashes while growing.
    private var members: [(String, JSONValue)] = []
    /// When false, values are checked but not built (strings, arrays and
    /// objects come back empty): the validating scan.
    private var build = true

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Parses one JSON text that must fill `bytes` (surrounding whitespace allowed).
    package static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw Failure(offset: 0, reason: "a UTF-8 byte order mark is not allowed")
        }
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.failure("unexpected \(parser.describeCurrent()) after the JSON value")
        }
        return value
    }

    /// The top level of a webhook body, scanned without building `data`.
    package struct Envelope: Sendable {
        /// The last `id` member, when it is a string.
        package var id: String?
        /// The last `type` member, when it is a string.
        package var type: String?
        /// The byte range of the last `occurred_at` member, quotes included,
        /// when it is a string: decoded only for an event that is built
        /// (``string(at:in:)``), not for one that is only acknowledged.
        package var occurredAt: Range<Int>?
        /// The byte range of the last `data` member's value.
        package var data: Range<Int>?
    }

    /// The string whose JSON text (quotes included) is at `range` of
    /// `bytes`, text a scan has already validated.
    static func string(at range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> String {
        var parser = JSONParser(bytes: bytes, maxDepth: defaultMaxDepth)
        parser.index = range.lowerBound
        return (try? parser.parseString()) ?? ""
    }

    /// What ``scanEnvelope(_:maxDepth:)`` found.
    enum Scan {
        /// The text is an object.
        case object(Envelope)
        /// The text is valid JSON but not an object; the payload names its kind.
        case notObject(String)
    }

    /// Validates a whole JSON text as strictly as ``parse(_:maxDepth:)`` and,
    /// when it is an object, returns its envelope members.
    static func scanEnvelope(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(Failure) -> Scan {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw Failure(offset: 0, reason: "a UTF-8 byte order mark is not allowed")
        }
        parser.skipWhitespace()
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else {
            let kind: String
            switch parser.index < bytes.count ? bytes[parser.index] : 0 {
            case UInt8(ascii: "["): kind = "an array"
            case UInt8(ascii: "\""): kind = "a string"
            case UInt8(ascii: "t"), UInt8(ascii: "f"): kind = "a Boolean"
            case UInt8(ascii: "n"): kind = "null"
            default: kind = "a number"
            }
            parser.build = false
            _ = try parser.parseValue()
            try parser.expectEnd()
            return .notObject(kind)
        }
        let envelope = try parser.parseEnvelope()
        try parser.expectEnd()
        return .object(envelope)
    }

    private mutating func expectEnd() throws(Failure) {
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected \(describeCurrent()) after the JSON value") }
    }

    /// The top-level object of ``scanEnvelope(_:maxDepth:)``: same grammar as
    /// ``parseObject()``, building only the keys and the three envelope strings.
    private mutating func parseEnvelope() throws(Failure) -> Envelope {
        try enter()
        index += 1  // {
        var envelope = Envelope()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return envelope
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure(index < bytes.count ? "unexpected \(describeCurrent()), expected a string key" : "unexpected end of input, expected a string key")
            }
            let key = try parseEnvelopeKey()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            let start = index
            switch key {
            case .id, .type:
                let isString = index < bytes.count && bytes[index] == UInt8(ascii: "\"")
                build = isString
                let value = try parseValue()
                let text: String? = isString ? value.stringValue : nil
                if key == .id { envelope.id = text } else { envelope.type = text }
            case .occurredAt:
                let isString = index < bytes.count && bytes[index] == UInt8(ascii: "\"")
                build = false
                _ = try parseValue()
                envelope.occurredAt = isString ? start..<index : nil
            case .data:
                build = false
                _ = try parseValue()
                envelope.data = start..<index
            default:
                build = false
                _ = try parseValue()
            }
            if try closes(UInt8(ascii: "}")) { return envelope }
        }
    }

    /// The top-level members ``parseEnvelope()`` looks for.
    private enum EnvelopeKey {
        case id, type, occurredAt, data, other

        init(_ name: UnsafeRawBufferPointer) {
            // Lengths first; then the bytes, compared without a generic sequence walk.
            func spells(_ literal: StaticString) -> Bool {
                let expected = literal.utf8Start
                for offset in 0..<name.count where name[offset] != expected[offset] { return false }
                return true
            }
            switch name.count {
            case 2 where spells("id"): self = .id
            case 4 where spells("type"): self = .type
            case 4 where spells("data"): self = .data
            case 11 where spells("occurred_at"): self = .occurredAt
            default: self = .other
            }
        }
    }

    /// Reads a member name at its opening quote and says which envelope member
    /// it is. A name without escapes is matched on its bytes, without making
    /// a `String`; an escaped one (`"\u0069d"` is `id`) is decoded first.
    private mutating func parseEnvelopeKey() throws(Failure) -> EnvelopeKey {
        let quote = index
        build = false
        _ = try parseString()
        let name = UnsafeRawBufferPointer(rebasing: bytes[(quote + 1)..<(index - 1)])
        guard name.contains(UInt8(ascii: "\\")) else { return EnvelopeKey(name) }
        let end = index
        index = quote
        build = true
        var decoded = try parseString()
        index = end
        return decoded.withUTF8 { EnvelopeKey(UnsafeRawBufferPointer($0)) }
    }

    // MARK: Values

    private mutating func parseValue() throws(Failure) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected \(describeCurrent()), expected a value")
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
    }

    private mutating func parseObject() throws(Failure) -> JSONValue {
        try enter()
        index += 1  // {
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object([:])
        }
        let base = members.count
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure(index < bytes.count ? "unexpected \(describeCurrent()), expected a string key" : "unexpected end of input, expected a string key")
            }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            let value = try parseValue()
            if build { members.append((key, value)) }
            if try closes(UInt8(ascii: "}")) {
                guard build else { return .null }
                var object = [String: JSONValue](minimumCapacity: members.count - base)
                for position in base..<members.count {
                    object[members[position].0] = members[position].1  // a repeated key: the last wins
                }
                members.removeSubrange(base...)
                return .object(object)
            }
        }
    }

    private mutating func parseArray() throws(Failure) -> JSONValue {
        try enter()
        index += 1  // [
        var array: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(array)
        }
        while true {
            let element = try parseValue()
            if build { array.append(element) }
            if try closes(UInt8(ascii: "]")) { return .array(array) }
        }
    }

    /// After a member or an element: `true` when `closing` ends the container
    /// (its depth is left), `false` after a comma (and the whitespace after it).
    private mutating func closes(_ closing: UInt8) throws(Failure) -> Bool {
        skipWhitespace()
        guard index < bytes.count else {
            throw failure("unexpected end of input, expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        }
        switch bytes[index] {
        case UInt8(ascii: ","):
            index += 1
            skipWhitespace()
            return false
        case closing:
            index += 1
            depth -= 1
            return true
        default:
            throw failure("unexpected \(describeCurrent()), expected ',' or '\(Character(Unicode.Scalar(closing)))'")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        let matches = index + count <= bytes.count
            && literal.withUTF8Buffer { word in (0..<count).allSatisfy { bytes[index + $0] == word[$0] } }
        guard matches else { throw failure("invalid literal, expected '\(literal)'") }
        index += count
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = index
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit") }
        // Accumulate negatively so Int.min fits; overflow falls back to Double.
        var value = 0
        var fitsInt = true
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("a number may not have a leading zero") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                if fitsInt {
                    let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                    let (next, o2) = times10.subtractingReportingOverflow(Int(bytes[index] &- 0x30))
                    if o1 || o2 { fitsInt = false } else { value = next }
                }
                index += 1
            }
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit in the exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if isInteger && fitsInt {
            if negative { return .int(value) }
            if value != Int.min { return .int(-value) }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw Failure(offset: start, reason: "number \(text.prefix(32)) is out of range")
        }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 <= 9 }

    // MARK: Strings

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(Failure) -> String {
        index += 1  // "
        let start = index
        skipPlainASCII()
        // Fast path: no escapes. Non-ASCII bytes are validated as UTF-8 on the way.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = build ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) : ""
                index += 1
                return text
            } else if byte == UInt8(ascii: "\\") {
                break
            } else if byte < 0x20 {
                throw failure("control character U+\(hex4(UInt32(byte))) must be escaped in a string")
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        guard index < bytes.count else { throw Failure(offset: start - 1, reason: "unterminated string") }
        // Slow path: copy what was scanned, then decode escapes.
        scratch.removeAll(keepingCapacity: true)
        if build { scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<index])) }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return build ? String(decoding: scratch, as: UTF8.self) : ""
            } else if byte == UInt8(ascii: "\\") {
                try parseEscape()
            } else if byte < 0x20 {
                throw failure("control character U+\(hex4(UInt32(byte))) must be escaped in a string")
            } else if byte < 0x80 {
                if build { scratch.append(byte) }
                index += 1
            } else {
                let sequenceStart = index
                try skipUTF8Sequence()
                if build { scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[sequenceStart..<index])) }
            }
        }
        throw Failure(offset: start - 1, reason: "unterminated string")
    }

    /// Skips eight bytes at a time while none of them is a quote, a backslash,
    /// a control character or non-ASCII: long plain strings are the common case.
    private mutating func skipPlainASCII() {
        // One word first: most strings (keys, ids, types) end within it, and
        // the vector loop would only read them again.
        guard index + 8 <= bytes.count else { return }
        if let offset = Self.firstSpecialByte(inWordAt: index, of: bytes) {
            index += offset
            return
        }
        index += 8
        // Then thirty-two bytes a step while nothing special shows (long
        // values such as base64 or text: a third of the word loop's
        // instructions); the word loop below finds the exact byte.
        let quotes = SIMD16<UInt8>(repeating: 0x22), backslashes = SIMD16<UInt8>(repeating: 0x5C)
        let space = SIMD16<UInt8>(repeating: 0x20), high = SIMD16<UInt8>(repeating: 0x80)
        func special(_ chunk: SIMD16<UInt8>) -> SIMDMask<SIMD16<Int8>> {
            (chunk .== quotes) .| (chunk .== backslashes) .| (chunk .< space) .| (chunk .>= high)
        }
        var position = index  // a local: the property would be stored every step
        while position + 32 <= bytes.count {
            let either = special(bytes.loadUnaligned(fromByteOffset: position, as: SIMD16<UInt8>.self))
                .| special(bytes.loadUnaligned(fromByteOffset: position + 16, as: SIMD16<UInt8>.self))
            // Tested as two words: `any(_:)` compiles to a long reduction.
            let lanes = unsafeBitCast(either, to: SIMD2<UInt64>.self)
            if lanes[0] | lanes[1] != 0 { break }
            position += 32
        }
        while position + 8 <= bytes.count {
            if let offset = Self.firstSpecialByte(inWordAt: position, of: bytes) {
                index = position + offset
                return
            }
            position += 8
        }
        index = position
    }

    /// The offset (0–7) of the first quote, backslash, control or non-ASCII
    /// byte among the eight at `offset`, or `nil` when they are all plain.
    @inline(__always)
    private static func firstSpecialByte(inWordAt offset: Int, of bytes: UnsafeRawBufferPointer) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // Little-endian, so the first byte is the lowest: the lowest flagged
        // byte is always a true match (borrows only spill into later bytes).
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        // A byte is zero in `v` iff (v - 1) sets its high bit where v's is clear.
        let special = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
            | ((word &- ones &* 0x20) & ~word)  // below 0x20
            | word) & highs  // 0x80 and above
        return special == 0 ? nil : special.trailingZeroBitCount / 8
    }

    private mutating func parseEscape() throws(Failure) {
        index += 1  // backslash
        guard index < bytes.count else { throw failure("unterminated escape sequence") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("high surrogate \\u\(hex4(scalar)) is not followed by a low surrogate")
                }
                index += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure("high surrogate \\u\(hex4(scalar)) is followed by \\u\(hex4(low)), not a low surrogate")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("low surrogate \\u\(hex4(scalar)) without a high surrogate before it")
            }
            appendUTF8(scalar)
        default:
            index -= 1
            throw failure("invalid escape \\\(describeCurrent())")
        }
    }

    private mutating func parseHex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("\\u must be followed by 4 hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x57
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x37
            default: throw failure("\\u must be followed by 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Steps over one well-formed multi-byte UTF-8 sequence (Unicode Table 3-7).
    private mutating func skipUTF8Sequence() throws(Failure) {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // no surrogates
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F  // nothing above U+10FFFF
        default: throw failure("invalid UTF-8 byte 0x\(String(lead, radix: 16, uppercase: true))")
        }
        guard index + length <= bytes.count else { throw failure("truncated UTF-8 sequence") }
        let second = bytes[index + 1]
        guard second >= low, second <= high else { throw failure("invalid UTF-8 sequence") }
        for k in 2..<max(2, length) where bytes[index + k] & 0xC0 != 0x80 {
            throw failure("invalid UTF-8 sequence")
        }
        index += length
    }

    // MARK: Helpers

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        guard index < bytes.count, bytes[index] == byte else {
            throw failure(index < bytes.count ? "unexpected \(describeCurrent()), expected \(what)" : "unexpected end of input, expected \(what)")
        }
        index += 1
    }

    private func failure(_ reason: String) -> Failure {
        Failure(offset: index, reason: reason)
    }

    /// The current byte for a message: printable ASCII quoted, anything else in hex.
    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func hex4(_ value: UInt32) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
