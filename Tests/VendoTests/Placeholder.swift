import Testing

@Test func placeholderVendoTests() { #expect(1 + 1 == 2) }
