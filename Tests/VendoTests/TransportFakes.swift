import Foundation

@testable import Vendo

/// An in-memory transport for unit tests that need no socket: answers from a
/// closure and records every request. (Integration tests use the fake platform.)
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [TransportRequest] = []
    private let answer: @Sendable (TransportRequest, Int) async throws -> TransportResponse

    /// `answer` gets the request and its 1-based index among all requests.
    init(_ answer: @escaping @Sendable (TransportRequest, Int) async throws -> TransportResponse) {
        self.answer = answer
    }

    /// A transport that fails the test's expectations if it is ever used.
    static func forbidden() -> ScriptedTransport {
        ScriptedTransport { request, _ in
            throw URLError(.unsupportedURL, userInfo: [NSLocalizedDescriptionKey: "unexpected request \(request.url)"])
        }
    }

    var requests: [TransportRequest] { lock.withLock { recorded } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let index = lock.withLock { () -> Int in
            recorded.append(request)
            return recorded.count
        }
        return try await answer(request, index)
    }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }

    var function: @Sendable () -> Date { { [self] in self.now } }
}

/// Records the waits a retry policy asks for instead of sleeping.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [TimeInterval] = []

    var sleeps: [TimeInterval] { lock.withLock { recorded } }

    func record(_ seconds: TimeInterval) { lock.withLock { recorded.append(seconds) } }

    func policy(maxAttempts: Int = 3, random: Double = 0) -> RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts,
            sleep: { [self] seconds in record(seconds) },
            random: { random })
    }
}

func json(_ text: String, status: Int = 200, headers: [String: String] = [:]) -> TransportResponse {
    var headers = headers
    headers["Content-Type"] = "application/json"
    return TransportResponse(status: status, headers: headers, body: Data(text.utf8))
}

/// A unique API key per test keeps the process-wide token cache from leaking between tests.
func uniqueKey() -> String { "vendo_sk_test_" + UUID().uuidString.lowercased() }
