import Foundation
import Testing

@testable import Vendo

@Suite struct RetryPolicyTests {
    @Test func defaultsMatchTheProtocol() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 3)
        #expect(policy.initialBackoff == 0.5)
        #expect(policy.maxBackoff == 10)
        #expect(policy.jitter == 0.25)
        #expect(policy.retryableStatuses == [500, 502, 503, 504])
        for status in [400, 401, 404, 429, 501] { #expect(!policy.shouldRetry(status: status)) }
    }

    @Test func backoffDoublesAndCaps() {
        let policy = RetryPolicy(random: { 0 })
        #expect((1...8).map { policy.baseDelay(beforeRetry: $0) } == [0.5, 1, 2, 4, 8, 10, 10, 10])
        #expect(policy.delay(beforeRetry: 3) == 2)
        #expect(policy.baseDelay(beforeRetry: 10_000) == 10)
    }

    @Test func jitterAddsAtMostAQuarter() {
        let max = RetryPolicy(random: { 1 })
        #expect(max.delay(beforeRetry: 1) == 0.625)
        #expect(max.delay(beforeRetry: 9) == 12.5)
        let half = RetryPolicy(random: { 0.5 })
        #expect(half.delay(beforeRetry: 2) == 1.125)
        // Out-of-range random values are clamped rather than trusted.
        #expect(RetryPolicy(random: { 7 }).delay(beforeRetry: 1) == 0.625)
        #expect(RetryPolicy(random: { -3 }).delay(beforeRetry: 1) == 0.5)
        let real = RetryPolicy()
        for _ in 0..<200 {
            let delay = real.delay(beforeRetry: 2)
            #expect(delay >= 1 && delay <= 1.25)
        }
    }

    @Test func invalidSettingsAreClamped() {
        let policy = RetryPolicy(maxAttempts: 0, initialBackoff: -1, maxBackoff: -5, jitter: -0.5)
        #expect(policy.maxAttempts == 1)
        #expect(policy.delay(beforeRetry: 1) == 0)
        #expect(RetryPolicy.none.maxAttempts == 1)
    }
}
