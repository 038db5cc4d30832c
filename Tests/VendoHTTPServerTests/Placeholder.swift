import Testing

@Test func placeholderVendoHTTPServerTests() { #expect(1 + 1 == 2) }
