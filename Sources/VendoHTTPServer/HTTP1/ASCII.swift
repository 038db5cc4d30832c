/// Byte classes from RFC 9110 / 9112 / 3986 and ASCII helpers, all working
/// on raw octets so the parser never needs Foundation.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let comma: UInt8 = 0x2C
    static let slash: UInt8 = 0x2F
    static let question: UInt8 = 0x3F
    static let hash: UInt8 = 0x23
    static let at: UInt8 = 0x40
    static let percent: UInt8 = 0x25

    /// tchar (RFC 9110 §5.6.2): `!#$%&'*+-.^_`|~`, DIGIT, ALPHA.
    @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        // Bit n of the mask is set when byte n (or n - 64) is a tchar.
        if b < 64 {
            return (0x03FF_6CFA_0000_0000 as UInt64) >> UInt64(b) & 1 == 1
        } else if b < 128 {
            return (0x57FF_FFFF_C7FF_FFFE as UInt64) >> UInt64(b - 64) & 1 == 1
        }
        return false
    }

    /// field-vchar or the SP / HTAB allowed inside a field value
    /// (RFC 9110 §5.5): everything except CTLs (other than HTAB) and DEL.
    /// obs-text (0x80...0xFF) is allowed.
    @inline(__always)
    static func isFieldValueChar(_ b: UInt8) -> Bool {
        (b >= 0x20 && b != 0x7F) || b == htab
    }

    /// Whether every byte passes `isFieldValueChar`, checking eight bytes a
    /// step: header values are most of a request's bytes.
    static func allFieldValueChars(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= count {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            // A byte below 0x20 (a CTL, possibly HTAB) or equal to 0x7F (DEL)
            // sets its high bit in `suspicious`; only then look byte by byte.
            let below20 = (w &- ones &* 0x20) & ~w & highs
            let x7F = w ^ (ones &* 0x7F)
            let isDEL = (x7F &- ones) & ~x7F & highs
            if below20 | isDEL != 0 {
                for j in i..<(i + 8) where !isFieldValueChar(base[j]) { return false }
            }
            i += 8
        }
        while i < count {
            if !isFieldValueChar(base[i]) { return false }
            i += 1
        }
        return true
    }

    /// SP or HTAB (OWS / BWS / RWS).
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == sp || b == htab }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    @inline(__always)
    static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

    /// The value of a hexadecimal digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        if b &- 0x30 < 10 { return Int(b &- 0x30) }
        let lower = b | 0x20
        if lower &- 0x61 < 6 { return Int(lower &- 0x61 + 10) }
        return nil
    }

    /// Bytes allowed in a request-target. RFC 3986 is stricter, but real
    /// clients send `"`, `|`, `{`, `\` unescaped and accepting them is
    /// harmless; what must never pass are CTLs, SP, DEL, `#` (a fragment is
    /// not part of a request-target) and non-ASCII octets.
    @inline(__always)
    static func isTargetChar(_ b: UInt8) -> Bool {
        b > 0x20 && b < 0x7F && b != hash
    }

    /// unreserved / sub-delims (RFC 3986 §2): what a reg-name may hold
    /// besides pct-encoded triplets.
    @inline(__always)
    static func isRegNameChar(_ b: UInt8) -> Bool {
        if isAlpha(b) || isDigit(b) { return true }
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
            UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// ASCII case-insensitive equality of two strings, without allocating.
    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { ua in
            b.withUTF8 { ub in equalsIgnoringCase(ua, ub) }
        }
    }

    /// ASCII case-insensitive equality of two byte strings.
    @inline(__always)
    static func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where lowercased(a[i]) != lowercased(b[i]) {
            return false
        }
        return true
    }

    /// Whether `bytes` equals `lowercaseLiteral` ignoring ASCII case;
    /// `lowercaseLiteral` must already be lowercase.
    @inline(__always)
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, lowercase literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let lit = literal.utf8Start
        for i in 0..<bytes.count where lowercased(bytes[i]) != lit[i] {
            return false
        }
        return true
    }

    @inline(__always)
    static func lowercased(_ b: UInt8) -> UInt8 {
        b &- 0x41 < 26 ? b | 0x20 : b
    }
}
