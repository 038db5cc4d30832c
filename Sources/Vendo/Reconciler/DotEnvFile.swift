import Foundation

/// Reads and writes `.env` files: `KEY=value` lines.
///
/// ## Writing
/// ``render(_:)`` writes one `KEY=value` line per variable, sorted by name,
/// each ending in LF. A value is written bare when it holds only letters,
/// digits and `_ - . / : @ + , % = ^ ~`; otherwise it is double-quoted with
/// `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, `\f` and `\v` escaped, so spaces,
/// `#`, quotes, backslashes, `$` and newlines read back unchanged by standard
/// dotenv readers (python-dotenv, Node's dotenv) and by ``parse(_:)``.
///
/// Two limits of python-dotenv to know about: it expands `${NAME}` in every
/// value unless read with `interpolate=False` (a plain `$` is fine); and it
/// cannot read a *quoted* value ending in a backslash, so such a value is
/// written bare when it can be (no line breaks, no leading or trailing space,
/// no ` #`, not starting with a quote) — ``parse(_:)`` reads either form.
///
/// ``write(_:to:)`` replaces the file atomically and durably with mode 0600
/// (see the reconciler's documentation).
public enum DotEnvFile {
    /// Whether `name` can be a variable name here: ASCII letters, digits and `_`, not starting with a digit.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x5F
        }
    }

    /// Checks names and values and returns the file's text.
    ///
    /// - Throws: ``ReconcilerError/Kind/invalidValues`` naming the first bad
    ///   variable: a name that is not a valid variable name, or a value containing
    ///   NUL (no environment variable can hold one). Values never appear in the message.
    public static func render(_ values: [String: String]) throws -> String {
        try validate(values)
        var text = ""
        for name in values.keys.sorted() {
            text += name + "=" + encode(values[name]!) + "\n"
        }
        return text
    }

    /// Throws ``ReconcilerError/Kind/invalidValues`` for a name or value ``render(_:)`` refuses.
    public static func validate(_ values: [String: String]) throws {
        for name in values.keys.sorted() {
            guard isValidName(name) else {
                throw ReconcilerError(
                    .invalidValues,
                    "the mapping returned the variable name \"\(name.prefix(80))\", which is not valid: "
                        + "use ASCII letters, digits and underscores, not starting with a digit")
            }
            if values[name]!.utf8.contains(0) {
                throw ReconcilerError(
                    .invalidValues,
                    "the value of \(name) contains a NUL character, which no environment variable can hold")
            }
        }
    }

    /// One value as it appears after `=`.
    public static func encode(_ value: String) -> String {
        if !value.isEmpty, value.unicodeScalars.allSatisfy(isBareSafe) { return value }
        if value.hasSuffix("\\"), readsBackBare(value) { return value }
        var quoted = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case "\u{07}": quoted += "\\a"
            case "\u{08}": quoted += "\\b"
            case "\u{0C}": quoted += "\\f"
            case "\u{0B}": quoted += "\\v"
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    private static func isBareSafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "_", "-", ".", "/", ":", "@", "+", ",", "%", "=", "^", "~": return true
        default: return false
        }
    }

    /// Whether an unquoted value is read back as written by python-dotenv and by ``parse(_:)``.
    private static func readsBackBare(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last else { return false }
        if first == "\"" || first == "'" || first == "#" { return false }
        if isSpace(first) || isSpace(last) { return false }
        var previousWasSpace = false
        for scalar in value.unicodeScalars {
            if scalar == "\n" || scalar == "\r" { return false }
            if scalar == "#", previousWasSpace { return false }
            previousWasSpace = isSpace(scalar)
        }
        return true
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    // MARK: - Reading

    /// Parses `.env` text.
    ///
    /// Accepted: blank lines, `#` comment lines, an optional `export ` prefix,
    /// `KEY=value` with spaces around `=`, bare values (the rest of the line, a
    /// ` #` comment and trailing spaces removed, no escapes), double-quoted values
    /// with the escapes listed in the type's description (others are kept as
    /// written), single-quoted values with `\\` and `\'`; quoted values may span
    /// lines and be followed by a comment. No `${…}` expansion. A repeated name
    /// keeps its last value.
    ///
    /// - Throws: ``ReconcilerError/Kind/invalidDotEnv`` with the line number, for a
    ///   line with no `=` or an unclosed quote.
    public static func parse(_ text: String) throws -> [String: String] {
        var reader = DotEnvReader(Array(text.unicodeScalars))
        return try reader.readAll()
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: ``ReconcilerError/Kind/io`` when it cannot be read (a missing file
    ///   included), ``ReconcilerError/Kind/invalidDotEnv`` when it does not parse.
    public static func read(path: String) throws -> [String: String] {
        guard let bytes = try DurableFile.read(path) else {
            throw ReconcilerError(.io, "could not read \(path): it does not exist", path: path, errno: ENOENT)
        }
        do {
            return try parse(String(decoding: bytes, as: UTF8.self))
        } catch var error as ReconcilerError {
            error.path = path
            error.message = "\(path): \(error.message)"
            throw error
        }
    }

    /// Writes `values` to `path` atomically and durably, mode 0600 (see ``render(_:)``).
    public static func write(_ values: [String: String], to path: String) throws {
        try DurableFile.write(Array(try render(values).utf8), to: path)
    }
}

/// A scanner over the unicode scalars of a `.env` file.
private struct DotEnvReader {
    private let text: [Unicode.Scalar]
    private var position = 0
    private var line = 1

    init(_ text: [Unicode.Scalar]) { self.text = text }

    mutating func readAll() throws -> [String: String] {
        var values: [String: String] = [:]
        while true {
            skipBlankSpaceAndComments()
            guard position < text.count else { return values }
            let (name, value) = try readAssignment()
            values[name] = value
        }
    }

    private var current: Unicode.Scalar? { position < text.count ? text[position] : nil }

    private mutating func advance() {
        if text[position] == "\n" || (text[position] == "\r" && position + 1 < text.count && text[position + 1] != "\n")
            || (text[position] == "\r" && position + 1 == text.count)
        {
            line += 1
        }
        position += 1
    }

    private func isInlineSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar != "\n" && scalar != "\r" && scalar.properties.isWhitespace
    }

    private mutating func skipInlineSpace() {
        while let scalar = current, isInlineSpace(scalar) { advance() }
    }

    private mutating func skipToEndOfLine() {
        while let scalar = current, scalar != "\n", scalar != "\r" { advance() }
    }

    private mutating func skipLineEnding() {
        if current == "\r" { advance() }
        if current == "\n" { advance() }
    }

    private mutating func skipBlankSpaceAndComments() {
        while let scalar = current {
            if scalar.properties.isWhitespace {
                advance()
            } else if scalar == "#" {
                skipToEndOfLine()
            } else {
                return
            }
        }
    }

    private mutating func readAssignment() throws -> (String, String) {
        let startLine = line
        if matches("export"), position + 6 < text.count, isInlineSpace(text[position + 6]) {
            position += 6
            skipInlineSpace()
        }
        var name = ""
        while let scalar = current, scalar != "=", scalar != "#", !scalar.properties.isWhitespace {
            name.unicodeScalars.append(scalar)
            advance()
        }
        skipInlineSpace()
        guard current == "=", !name.isEmpty else {
            throw ReconcilerError(.invalidDotEnv, "line \(startLine): expected NAME=value")
        }
        advance()
        skipInlineSpace()
        let value: String
        switch current {
        case "\""?:
            value = try readQuoted(closing: "\"", name: name, startLine: startLine)
        case "'"?:
            value = try readQuoted(closing: "'", name: name, startLine: startLine)
        default:
            return (name, readBare())
        }
        skipInlineSpace()
        if current == "#" { skipToEndOfLine() }
        guard current == nil || current == "\n" || current == "\r" else {
            throw ReconcilerError(
                .invalidDotEnv, "line \(line): unexpected text after the quoted value of \(name)")
        }
        skipLineEnding()
        return (name, value)
    }

    private func matches(_ word: String) -> Bool {
        let scalars = Array(word.unicodeScalars)
        guard position + scalars.count <= text.count else { return false }
        return Array(text[position..<position + scalars.count]) == scalars
    }

    /// The rest of the line, without a ` #` comment and trailing spaces; no escapes.
    private mutating func readBare() -> String {
        var scalars: [Unicode.Scalar] = []
        while let scalar = current, scalar != "\n", scalar != "\r" {
            if scalar == "#", let last = scalars.last, isInlineSpace(last) {
                skipToEndOfLine()
                break
            }
            scalars.append(scalar)
            advance()
        }
        while let last = scalars.last, isInlineSpace(last) { scalars.removeLast() }
        skipLineEnding()
        var value = ""
        value.unicodeScalars.append(contentsOf: scalars)
        return value
    }

    private mutating func readQuoted(closing: Unicode.Scalar, name: String, startLine: Int) throws -> String {
        advance()  // the opening quote
        var value = ""
        while let scalar = current {
            if scalar == closing {
                advance()
                return value
            }
            if scalar == "\\", position + 1 < text.count {
                let next = text[position + 1]
                if let decoded = Self.unescape(next, in: closing) {
                    value.unicodeScalars.append(decoded)
                    advance()
                    advance()
                    continue
                }
            }
            value.unicodeScalars.append(scalar)
            advance()
        }
        throw ReconcilerError(
            .invalidDotEnv, "line \(startLine): the quoted value of \(name) is not closed (missing \(closing))")
    }

    /// The character an escape stands for, or `nil` when it is not an escape (kept as written).
    private static func unescape(_ scalar: Unicode.Scalar, in quote: Unicode.Scalar) -> Unicode.Scalar? {
        if quote == "'" {
            return scalar == "\\" || scalar == "'" ? scalar : nil
        }
        switch scalar {
        case "\\", "\"", "'": return scalar
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        default: return nil
        }
    }
}
