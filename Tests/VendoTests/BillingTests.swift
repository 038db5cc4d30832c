import Foundation
import Testing
import VendoTesting

@testable import Vendo

@Suite struct BillingTests {
    @Test func balanceAndSpendCaps() async throws {
        try await withPlatform { platform in
            platform.setBalance(Balance(creditsRemainingMicros: 12_500_000, currency: "EUR", topUpURL: "https://top.up"))
            platform.setSpendCaps(SpendCaps(dailyMicros: 1_000, monthlyMicros: nil, usedTodayMicros: 10, usedMonthMicros: 20))
            let vendo = try platform.testClient()
            #expect(try await vendo.billing.balance() == Balance(creditsRemainingMicros: 12_500_000, currency: "EUR", topUpURL: "https://top.up"))
            #expect(try await vendo.billing.spendCaps() == SpendCaps(dailyMicros: 1_000, monthlyMicros: nil, usedTodayMicros: 10, usedMonthMicros: 20))
            #expect(platform.requests(to: .balance).first?.path == "/api/billing/balance")
            #expect(platform.requests(to: .spendCaps).first?.path == "/api/billing/spend-caps")
        }
    }

    @Test func missingFieldsGetDefaults() async throws {
        try await withPlatform { platform in
            platform.inject(.raw(status: 200, json: [:]), into: .balance)
            platform.inject(.raw(status: 200, json: ["daily_micros": 5]), into: .spendCaps)
            let vendo = try platform.testClient()
            #expect(try await vendo.billing.balance() == Balance(creditsRemainingMicros: 0, currency: "USD", topUpURL: ""))
            #expect(try await vendo.billing.spendCaps() == SpendCaps(dailyMicros: 5, monthlyMicros: nil, usedTodayMicros: 0, usedMonthMicros: 0))
        }
    }

    @Test(arguments: BillingPeriod.allCases)
    func usageIsRawJSONForThePeriod(period: BillingPeriod) async throws {
        try await withPlatform { platform in
            let usage: JSONValue = ["period": .string(period.rawValue), "items": [["provider": "openai", "micros": 42]]]
            platform.setUsage(usage, period: period)
            let vendo = try platform.testClient()
            #expect(try await vendo.billing.usage(period: period) == usage)
            let request = try #require(platform.requests(to: .usage).first)
            #expect(request.path == "/api/billing/usage")
            #expect(request.query == "period=\(period.rawValue)")
        }
    }

    @Test func usageDefaultsToMonth() async throws {
        try await withPlatform { platform in
            let vendo = try platform.testClient()
            _ = try await vendo.billing.usage()
            #expect(platform.requests(to: .usage).first?.query == "period=month")
        }
    }

    @Test func malformedAnswerIsAnInvalidResponse() async throws {
        try await withPlatform { platform in
            platform.inject(.malformedJSON(), into: .balance)
            let vendo = try platform.testClient()
            await #expect {
                _ = try await vendo.billing.balance()
            } throws: { error in
                guard let error = error as? VendoError, case .other("invalid_response", let message, 200) = error else {
                    return false
                }
                return message.contains("not JSON") && message.contains("/api/billing/balance")
            }
        }
    }
}
