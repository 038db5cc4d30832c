#if canImport(Glibc)
import Glibc
#endif

/// The `Date` header value (IMF-fixdate, RFC 9110 §5.6.7), formatted at most
/// once per second: a response copies 29 cached bytes instead of formatting
/// a date.
///
/// Each event loop keeps its own (``EventLoop/httpDate``). One cache shared
/// by every loop needed a lock, and its lock word and bytes moved between
/// the cores' caches on every response.
struct HTTPDate {
    private var second = -1
    private var bytes: [UInt8] = []

    /// Appends the current date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    mutating func append(to output: inout [UInt8]) {
        let now = time(nil)
        if second != now {
            second = now
            bytes = Self.format(now)
        }
        output.append(contentsOf: bytes)
    }

    /// Formats a Unix time as IMF-fixdate without Foundation.
    static func format(_ seconds: Int) -> [UInt8] {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var out: [UInt8] = []
        out.reserveCapacity(29)
        out.append(contentsOf: days[Int(parts.tm_wday)].utf8)
        out.append(contentsOf: ", ".utf8)
        appendTwoDigits(Int(parts.tm_mday), to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: months[Int(parts.tm_mon)].utf8)
        out.append(UInt8(ascii: " "))
        let year = Int(parts.tm_year) + 1900
        appendTwoDigits(year / 100, to: &out)
        appendTwoDigits(year % 100, to: &out)
        out.append(UInt8(ascii: " "))
        appendTwoDigits(Int(parts.tm_hour), to: &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(Int(parts.tm_min), to: &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(Int(parts.tm_sec), to: &out)
        out.append(contentsOf: " GMT".utf8)
        return out
    }

    private static func appendTwoDigits(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}
