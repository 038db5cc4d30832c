#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Parsing of the human-friendly durations and sizes the flags accept.
enum Units {
    /// Parses "10", "10s", "500ms", "2m", "1h", "1.5s" (a bare number is seconds).
    /// Returns nil when the text is not such a duration or is negative.
    static func duration(_ text: String) -> Duration? {
        let text = text.trimmedWhitespace.lowercased()
        let suffixes: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number), value.isFinite, value >= 0
        else { return nil }
        let millis = (value * scale * 1000).rounded()
        guard millis <= Double(Int64.max / 1_000_000) else { return nil }
        return .milliseconds(Int64(millis))
    }

    /// Parses a byte count: "1048576", "512KiB", "1MiB", "1k", "2m" (K/M/G are
    /// binary: 1024-based). Returns nil when the text is not such a size.
    static func byteCount(_ text: String) -> Int? {
        let text = text.trimmedWhitespace.lowercased()
        let suffixes: [(String, Int)] = [
            ("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30),
            ("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30),
            ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1),
        ]
        var number = Substring(text)
        var scale = 1
        for (suffix, factor) in suffixes where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Int(number.trimmedWhitespace), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }

    /// Renders a duration the way the flags accept it ("10s", "250ms").
    static func describe(_ duration: Duration) -> String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }

    /// Seconds as a Double, for APIs that take TimeInterval.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
