#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A `Vendo-Timestamp` header value: unix seconds (`1716240000`) or RFC 3339
/// (`2026-05-20T12:00:00Z`, `2026-05-20T14:00:00.250+02:00`).
///
/// The text is kept exactly as sent (after trimming) because the signature
/// covers it byte for byte: `HMAC(secret, "<text>.<body>")`.
public struct WebhookTimestamp: Sendable, Hashable, CustomStringConvertible {
    /// How a timestamp is written.
    public enum Format: Sendable, Hashable {
        /// Whole seconds since 1970-01-01T00:00:00Z, ASCII digits only.
        case unixSeconds
        /// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`;
        /// `t`/`z` and a space for `T` are accepted as RFC 3339 allows.
        case rfc3339
    }

    /// The header text as received (trimmed); this is what the signature covers.
    public let text: String
    /// The instant, in seconds since 1970-01-01T00:00:00Z.
    public let secondsSince1970: Double
    /// Which of the two forms ``text`` uses.
    public let format: Format

    /// The instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: secondsSince1970) }

    /// The header text.
    public var description: String { text }

    /// Parses a header value; surrounding whitespace is ignored.
    /// - Throws: ``VendoError/validation(message:)`` naming the accepted forms.
    public init(parsing text: String) throws {
        let trimmed = HeaderLookup.trimmed(Substring(text))
        var copy = String(trimmed)
        let parsed = copy.withUTF8 { Self.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed else { throw Self.invalid(copy) }
        self.init(text: copy, seconds: parsed.seconds, format: parsed.format)
    }

    /// A timestamp for `date`, written in `format` (RFC 3339 as UTC with whole
    /// seconds, e.g. `2026-05-20T12:00:00Z`; unix seconds rounded down).
    public init(date: Date, format: Format = .unixSeconds) {
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down))
        switch format {
        case .unixSeconds: self.init(text: String(seconds), seconds: Double(seconds), format: format)
        case .rfc3339: self.init(text: Self.rfc3339(seconds), seconds: Double(seconds), format: format)
        }
    }

    init(text: String, seconds: Double, format: Format) {
        self.text = text
        self.secondsSince1970 = seconds
        self.format = format
    }

    static func invalid(_ text: String) -> VendoError {
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return .validation(
            message: "Vendo-Timestamp \"\(shown)\" is not a timestamp: send unix seconds (e.g. 1716240000) "
                + "or RFC 3339 (e.g. 2026-05-20T12:00:00Z)")
    }

    // MARK: Parsing (bytes, no Foundation formatters: this runs on every delivery)

    /// Parses trimmed header bytes; `nil` when they are neither form.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> (seconds: Double, format: Format)? {
        guard !bytes.isEmpty else { return nil }
        if bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // 15 digits reach year 30 million: enough, and far from Int64 overflow.
            guard bytes.count <= 15 else { return nil }
            var value: Int64 = 0
            for byte in bytes { value = value * 10 + Int64(byte - 0x30) }
            return (Double(value), .unixSeconds)
        }
        guard let seconds = parseRFC3339(bytes) else { return nil }
        return (seconds, .rfc3339)
    }

    private static func parseRFC3339(_ b: UnsafeRawBufferPointer) -> Double? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var value = 0
            for k in i..<(i + n) {
                let d = b[k] &- 0x30
                guard d <= 9 else { return nil }
                value = value * 10 + Int(d)
            }
            i += n
            return value
        }
        func expect(_ allowed: UInt8...) -> Bool {
            guard i < b.count, allowed.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2),
            expect(0x54, 0x74, 0x20),  // T t space
            let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 60  // 60: a leap second
        else { return nil }

        var fraction = 0.0
        if i < b.count, b[i] == 0x2E {  // "."
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }

        var offsetSeconds = 0
        guard i < b.count else { return nil }
        switch b[i] {
        case 0x5A, 0x7A:  // Z z
            i += 1
        case 0x2B, 0x2D:  // + -
            let sign = b[i] == 0x2D ? -1 : 1
            i += 1
            guard let offsetHour = digits(2), expect(0x3A), let offsetMinute = digits(2),
                offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
        default:
            return nil
        }
        guard i == b.count else { return nil }

        let days = daysFromCivil(year: year, month: month, day: day)
        let local = days * 86_400 + hour * 3600 + minute * 60 + second
        return Double(local - offsetSeconds) + fraction
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar
    /// (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (inverse of ``daysFromCivil(year:month:day:)``).
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` for whole seconds since 1970.
    static func rfc3339(_ seconds: Int64) -> String {
        let total = Int(seconds)
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondOfDay = total - days * 86_400
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }
}
