/// The tenant's credit balance (`billing.balance()`).
///
/// Missing fields default to 0, `"USD"` and `""`.
public struct Balance: Codable, Equatable, Hashable, Sendable {
    /// Remaining credits in micros (1 credit = 1 000 000 micros).
    public var creditsRemainingMicros: Int
    /// ISO currency code, e.g. `"USD"`.
    public var currency: String
    /// Where the user can top the balance up.
    public var topUpURL: String

    /// Creates a balance.
    public init(creditsRemainingMicros: Int = 0, currency: String = "USD", topUpURL: String = "") {
        self.creditsRemainingMicros = creditsRemainingMicros
        self.currency = currency
        self.topUpURL = topUpURL
    }

    /// Decodes tolerantly, with the defaults above.
    public init(from decoder: any Decoder) throws {
        try self.init(decodingObjectFrom: decoder)
    }

    /// Encodes the snake_case wire form.
    public func encode(to encoder: any Encoder) throws {
        try encodeObject(to: encoder)
    }
}

extension Balance: JSONObjectModel {
    package init(jsonObject o: [String: JSONValue]) {
        self.init(
            creditsRemainingMicros: o.int("credits_remaining_micros") ?? 0,
            currency: o.string("currency") ?? "USD", topUpURL: o.string("top_up_url") ?? "")
    }

    package var jsonObject: [String: JSONValue] {
        [
            "credits_remaining_micros": .int(creditsRemainingMicros), "currency": .string(currency),
            "top_up_url": .string(topUpURL),
        ]
    }
}

/// The deployment's spend caps and what it spent so far (`billing.spendCaps()`).
///
/// A cap that is not set is `nil`; missing usage fields default to 0.
public struct SpendCaps: Codable, Equatable, Hashable, Sendable {
    /// Daily cap in micros, `nil` when not set.
    public var dailyMicros: Int?
    /// Monthly cap in micros, `nil` when not set.
    public var monthlyMicros: Int?
    /// Spent today, in micros.
    public var usedTodayMicros: Int
    /// Spent this calendar month, in micros.
    public var usedMonthMicros: Int

    /// Creates spend caps.
    public init(dailyMicros: Int? = nil, monthlyMicros: Int? = nil, usedTodayMicros: Int = 0, usedMonthMicros: Int = 0) {
        self.dailyMicros = dailyMicros
        self.monthlyMicros = monthlyMicros
        self.usedTodayMicros = usedTodayMicros
        self.usedMonthMicros = usedMonthMicros
    }

    /// Decodes tolerantly, with the defaults above.
    public init(from decoder: any Decoder) throws {
        try self.init(decodingObjectFrom: decoder)
    }

    /// Encodes the snake_case wire form.
    public func encode(to encoder: any Encoder) throws {
        try encodeObject(to: encoder)
    }
}

extension SpendCaps: JSONObjectModel {
    package init(jsonObject o: [String: JSONValue]) {
        self.init(
            dailyMicros: o.int("daily_micros"), monthlyMicros: o.int("monthly_micros"),
            usedTodayMicros: o.int("used_today_micros") ?? 0, usedMonthMicros: o.int("used_month_micros") ?? 0)
    }

    package var jsonObject: [String: JSONValue] {
        [
            "daily_micros": dailyMicros.map(JSONValue.int) ?? .null,
            "monthly_micros": monthlyMicros.map(JSONValue.int) ?? .null,
            "used_today_micros": .int(usedTodayMicros), "used_month_micros": .int(usedMonthMicros),
        ]
    }
}

/// The window `billing.usage(period:)` reports on.
public enum BillingPeriod: String, Codable, Hashable, Sendable, CaseIterable {
    /// Today.
    case day
    /// The current calendar month.
    case month
}
