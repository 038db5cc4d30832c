import Testing

@testable import VendoHTTPServer

@Suite struct TakeTests {
    @Test func takesTheValueAndLeavesTheReplacement() {
        var text = "a string long enough to live on the heap"
        let taken = take(&text, leaving: "")
        #expect(taken == "a string long enough to live on the heap")
        #expect(text.isEmpty)

        var spans: [Int]? = [1, 2, 3]
        #expect(take(&spans, leaving: nil) == [1, 2, 3])
        #expect(spans == nil)
    }
}
