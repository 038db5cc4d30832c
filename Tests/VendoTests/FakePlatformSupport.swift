import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// Runs `body` against a fresh fake platform and always stops it.
func withPlatform<T>(_ body: (FakePlatform) async throws -> T) async throws -> T {
    let platform = try FakePlatform.start()
    do {
        let result = try await body(platform)
        await platform.stop()
        return result
    } catch {
        await platform.stop()
        throw error
    }
}

extension FakePlatform {
    /// A Vendo-mode client with a unique key (the token cache is process-wide) and recorded backoffs.
    func testClient(
        key: String = uniqueKey(), env: [String: String] = [:], sleeps: SleepRecorder = SleepRecorder(),
        maxAttempts: Int = 3, timeout: TimeInterval = 30
    ) throws -> Vendo {
        try client(apiKey: key, env: env, retryPolicy: sleeps.policy(maxAttempts: maxAttempts), timeout: timeout)
    }
}
