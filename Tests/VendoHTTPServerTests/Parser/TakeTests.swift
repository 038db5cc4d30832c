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

    @Test func aTakenArrayIsTheSameStorageNotACopy() {
        var bytes: [UInt8] = Array(repeating: 7, count: 64)
        let before = bytes.withUnsafeBufferPointer { $0.baseAddress }
        let taken = take(&bytes, leaving: [])
        #expect(taken.withUnsafeBufferPointer { $0.baseAddress } == before)
        #expect(bytes.isEmpty)
    }
}
