import Testing

@Test func placeholderVendoWebhooksTests() { #expect(1 + 1 == 2) }
