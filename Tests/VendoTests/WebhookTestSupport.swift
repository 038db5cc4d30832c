import Foundation
import Testing

@testable import Vendo

/// Shared fixtures for the webhook tests.
enum WebhookFixture {
    static let secret = "whsec_test_4f1d2c"
    /// 2024-05-20T21:20:00Z
    static let now = Date(timeIntervalSince1970: 1_716_240_000)
    static let nowText = "1716240000"
    static let body = #"{"id":"evt_1","type":"connection.connected","occurred_at":"2024-05-20T21:20:00Z","data":{"slug":"notion","connection_id":"conn_9"}}"#

    static func api(secret: String? = WebhookFixture.secret, maxAge: Int = 300, at date: Date = WebhookFixture.now) -> WebhooksAPI {
        WebhooksAPI(secret: secret, maxAgeSeconds: maxAge, env: [:], clock: { date })
    }

    static func headers(body: String = WebhookFixture.body, timestamp: String = WebhookFixture.nowText, secret: String = WebhookFixture.secret) throws -> [String: String] {
        try WebhookSigner(secret: secret).sign(body: body, timestampText: timestamp)
    }

    /// The error message `operation` throws, failing the test if it does not
    /// throw a `VendoError.validation`.
    static func validationMessage(_ operation: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            try operation()
            Issue.record("expected a validation error, but the call succeeded", sourceLocation: sourceLocation)
        } catch let VendoError.validation(message) {
            return message
        } catch {
            Issue.record("expected VendoError.validation, got \(error)", sourceLocation: sourceLocation)
        }
        return ""
    }
}

/// Runs an independent HMAC-SHA256 (Python's `hmac` module) in a real child process.
enum PythonHMAC {
    /// Whether python3 runs here; checked once per test process.
    static var isAvailable: Bool {
        get async { await availability.value }
    }

    private static let availability = Task { await run(key: [1], message: [2]) != nil }

    /// Lowercase hex HMAC-SHA256, or `nil` when python3 cannot run.
    static func run(key: [UInt8], message: [UInt8]) async -> String? {
        let result = await runChildProcess([
            "python3", "-c",
            "import hmac,hashlib,sys;print(hmac.new(bytes.fromhex(sys.argv[1]),bytes.fromhex(sys.argv[2]),hashlib.sha256).hexdigest())",
            hex(key), hex(message),
        ])
        guard let result, result.status == 0 else { return nil }
        return String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

/// A small deterministic generator (SplitMix64) so fuzz runs are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
