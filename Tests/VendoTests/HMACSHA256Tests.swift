import Foundation
import Testing

@testable import Vendo
@testable import VendoCore

@Suite("HMACSHA256")
struct HMACSHA256Tests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    /// RFC 4231, section 4: the HMAC-SHA-256 results of test cases 1–7
    /// (case 5 is truncated to 128 bits by the RFC).
    static let rfc4231: [(key: [UInt8], data: [UInt8], expected: String)] = [
        ([UInt8](repeating: 0x0B, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xAA, count: 20), [UInt8](repeating: 0xDD, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (Array(1...25), [UInt8](repeating: 0xCD, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        ([UInt8](repeating: 0x0C, count: 20), Array("Test With Truncation".utf8),
         "a3b6167473100ee06e0c796c2955552b"),
        ([UInt8](repeating: 0xAA, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ([UInt8](repeating: 0xAA, count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test("RFC 4231 test vectors", arguments: 0..<7)
    func rfc4231Vector(index: Int) throws {
        let vector = Self.rfc4231[index]
        let code = try HMACSHA256(key: vector.key).authenticationCode(for: vector.data)
        #expect(code.count == 32)
        let hex = WebhookSigner.hex(code)
        #expect(hex.hasPrefix(vector.expected))
    }

    @Test("the same key gives the same code every time (the keyed context is never consumed)")
    func reusable() throws {
        let hmac = try HMACSHA256(key: "Jefe")
        let first = try hmac.authenticationCode(for: Array("what do ya want for nothing?".utf8))
        for _ in 0..<100 {
            #expect(try hmac.authenticationCode(for: Array("what do ya want for nothing?".utf8)) == first)
        }
        #expect(WebhookSigner.hex(first) == Self.rfc4231[1].expected)
    }

    @Test("two keys used in turn, each many times and from several threads, keep their own codes")
    func keysDoNotMix() async throws {
        let jefe = try HMACSHA256(key: "Jefe")
        let other = try HMACSHA256(key: Self.rfc4231[0].key)
        let jefeMessage = Array("what do ya want for nothing?".utf8)
        let expectedJefe = Self.bytes(Self.rfc4231[1].expected)
        let expectedOther = Self.bytes(Self.rfc4231[0].expected)
        let mismatches = await withTaskGroup(of: Int.self) { group in
            // More concurrent users than the context keeps spare copies for.
            for _ in 0..<24 {
                group.addTask {
                    var bad = 0
                    for _ in 0..<300 {
                        if (try? jefe.authenticationCode(for: jefeMessage)) != expectedJefe { bad += 1 }
                        if (try? other.authenticationCode(for: Self.rfc4231[0].data)) != expectedOther { bad += 1 }
                    }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }

    @Test("at most maxSpares copies are kept for reuse, however many were out at once")
    func sparesAreBounded() throws {
        let hmac = try HMACSHA256(key: "Jefe")
        // Each level holds its working copy while the next one takes another.
        func hold(_ depth: Int) -> Bool {
            hmac.context.withWorkingCopy { _, _ in depth == 0 || hold(depth - 1) }
        }
        #expect(hold(KeyedHMACContext.maxSpares + 3))  // maxSpares + 4 copies out at once
        #expect(hmac.context.spareCount == KeyedHMACContext.maxSpares)
        // A kept copy is reused and still gives the right code.
        let message = Array("what do ya want for nothing?".utf8)
        #expect(WebhookSigner.hex(try hmac.authenticationCode(for: message)) == Self.rfc4231[1].expected)
        #expect(hmac.context.spareCount == KeyedHMACContext.maxSpares)
    }

    @Test("String, ArraySlice and Data messages give the bytes' code")
    func messageShapes() throws {
        let hmac = try HMACSHA256(key: "Jefe")
        let expected = Self.bytes(Self.rfc4231[1].expected)
        let text = "what do ya want for nothing?"
        #expect(try hmac.authenticationCode(for: text) == expected)
        #expect(try hmac.authenticationCode(for: Data(text.utf8)) == expected)
        let padded = Array(("xx" + text + "yy").utf8)
        #expect(try hmac.authenticationCode(for: padded[2..<(padded.count - 2)]) == expected)
        // A non-contiguous collection takes the copying path.
        #expect(try hmac.authenticationCode(for: text.utf8.lazy.map { $0 }) == expected)
    }

    @Test("an empty key and an empty message work (Python: hmac.new(b'', b'', sha256))")
    func emptyKeyAndMessage() throws {
        let code = try HMACSHA256(key: [UInt8]()).authenticationCode(for: [UInt8]())
        #expect(WebhookSigner.hex(code) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("agrees with Python's hmac module (a real child process) on random keys and messages")
    func crossCheckWithPython() async throws {
        try #require(await PythonHMAC.isAvailable, "python3 is needed for the independent cross-check")
        var generator = SeededGenerator(seed: 0xC0FFEE)
        for size in [0, 1, 63, 64, 65, 1024, 4099] {
            let key = (0..<Int.random(in: 1...100, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let message = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let ours = WebhookSigner.hex(try HMACSHA256(key: key).authenticationCode(for: message))
            let theirs = await PythonHMAC.run(key: key, message: message)
            #expect(ours == theirs, "size \(size)")
        }
    }

    @Test("one value is safe to share across threads")
    func concurrentUse() async throws {
        let hmac = try HMACSHA256(key: "Jefe")
        let expected = Self.bytes(Self.rfc4231[1].expected)
        let message = Array("what do ya want for nothing?".utf8)
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var bad = 0
                    for _ in 0..<2000 where (try? hmac.authenticationCode(for: message)) != expected { bad += 1 }
                    return bad
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
