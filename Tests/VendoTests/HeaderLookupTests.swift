import Testing

@testable import VendoCore

/// The header-value trimming the receiver and the verifier share.
@Suite struct HeaderLookupTests {
    private func trimmedString(_ text: String) -> Substring {
        Array(text.utf8).withUnsafeBufferPointer { HeaderLookup.trimmedString($0) }
    }

    @Test func bytesAreTrimmedLikeSubstrings() {
        for text in ["v1=abc", " \tv1=abc\r\n", "a b", "  ", "", "\n", "x "] {
            #expect(trimmedString(text) == HeaderLookup.trimmed(Substring(text)), "\(text.debugDescription)")
        }
        #expect(trimmedString(" \t1714000000 \r\n") == "1714000000")
        #expect(trimmedString(" \t ").isEmpty)
        #expect(trimmedString("in side") == "in side", "inner whitespace stays")
    }
}
