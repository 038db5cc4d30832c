import Foundation

/// Credit balance, spend caps and usage (`vendo.billing`). Vendo mode only:
/// in OSS mode every method throws ``VendoError/vendoOnlyFeature(featureName:)`` before any I/O.
public struct BillingAPI: Sendable {
    let context: ClientContext

    init(context: ClientContext) {
        self.context = context
    }

    /// `GET {base}/api/billing/balance`; missing fields default to 0, `"USD"`, `""`.
    public func balance() async throws -> Balance {
        try context.requireVendoMode("billing.balance")
        return Balance(jsonObject: try await object(["api", "billing", "balance"]))
    }

    /// `GET {base}/api/billing/spend-caps`; an unset cap is `nil`, missing usage is 0.
    public func spendCaps() async throws -> SpendCaps {
        try context.requireVendoMode("billing.spendCaps")
        return SpendCaps(jsonObject: try await object(["api", "billing", "spend-caps"]))
    }

    /// `GET {base}/api/billing/usage?period=day|month`, returned as the platform sent it.
    public func usage(period: BillingPeriod = .month) async throws -> JSONValue {
        try context.requireVendoMode("billing.usage")
        let url = URLEncoding.url(
            context.baseURL, segments: ["api", "billing", "usage"], query: [("period", period.rawValue)])
        return try await HTTPClient(context: context).json("GET", url, service: .platform)
    }

    private func object(_ segments: [String]) async throws -> [String: JSONValue] {
        let url = URLEncoding.url(context.baseURL, segments: segments)
        let body = try await HTTPClient(context: context).json("GET", url, service: .platform)
        return body.objectValue ?? [:]
    }
}
