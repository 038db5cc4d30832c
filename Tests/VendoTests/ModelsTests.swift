import Foundation
import Testing

@testable import Vendo

@Suite struct ModelsTests {
    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test func connectionFullWireForm() throws {
        let json = """
            {"id":"c1","external_id":"U123","slug":"supabase","display_name":"Supabase","category":"database",
             "profile":"user_oauth","status":"connected","metadata":{"plan":"pro","n":3},
             "context":{"ref":"abc"},"credential":{"access_token":"t"},"api_key":"k","base_url":"https://b",
             "setup_url":null,"error_message":null,"connected_at":"2026-05-07T10:00:00Z","logo_url":"https://l",
             "brand_color":"#3ECF8E","docs_url":"https://d","exclusive":true,
             "env_bootstrap":{"vars":[{"name":"SUPABASE_REF","value_from":"ref"}],"restart":"gateway"},
             "brand_new_field":{"nested":[1,2]}}
            """
        let connection = try decode(Connection.self, json)
        #expect(connection.id == "c1")
        #expect(connection.externalID == "U123")
        #expect(connection.slug == "supabase")
        #expect(connection.displayName == "Supabase")
        #expect(connection.category == "database")
        #expect(connection.profile == .userOAuth)
        #expect(connection.status == .connected)
        #expect(connection.status == "connected")
        #expect(connection.isConnected)
        #expect(connection.metadata == ["plan": "pro", "n": 3])
        #expect(connection.context?["ref"] == "abc")
        #expect(connection.credential?["access_token"] == "t")
        #expect(connection.apiKey == "k")
        #expect(connection.baseURL == "https://b")
        #expect(connection.setupURL == nil)
        #expect(connection.connectedAt == "2026-05-07T10:00:00Z")
        #expect(connection.brandColor == "#3ECF8E")
        #expect(connection.exclusive == true)
        #expect(connection.envBootstrap == EnvBootstrap(vars: [.init(name: "SUPABASE_REF", valueFrom: "ref")], restart: "gateway"))
    }

    @Test func connectionMinimalAndUnknownEnums() throws {
        let connection = try decode(
            Connection.self, #"{"provider":"slack","status":"quarantined","profile":"future_profile","metadata":null}"#)
        #expect(connection.slug == "slack")
        #expect(connection.displayName == "slack")
        #expect(connection.category == "")
        #expect(connection.status.rawValue == "quarantined")
        #expect(!connection.status.isKnown)
        #expect(connection.profile == ConnectionProfile(rawValue: "future_profile"))
        #expect(connection.metadata == [:])
        #expect(connection.context == nil)
        #expect(connection.id == nil)
        #expect(connection.exclusive == nil)
        #expect(connection.envBootstrap == nil)
    }

    @Test func connectionToleratesOddTypes() throws {
        let connection = try decode(
            Connection.self, #"{"id":42,"slug":"x","exclusive":"true","metadata":[1],"context":"nope"}"#)
        #expect(connection.id == "42")
        #expect(connection.exclusive == true)
        #expect(connection.metadata == [:])
        #expect(connection.context == nil)
    }

    @Test func connectionRejectsNonObject() {
        #expect(throws: DecodingError.self) { try decode(Connection.self, "[1,2]") }
    }

    @Test func connectionRoundTripsThroughItsWireForm() throws {
        let original = Connection(
            id: "c9", externalID: "e", slug: "telegram", displayName: "Telegram", category: "chat",
            profile: .byokStatic, status: .needsReauth, metadata: ["a": [1, 2]], context: ["bot": "x"],
            credential: nil, apiKey: nil, baseURL: nil, setupURL: "https://s", errorMessage: "expired",
            connectedAt: nil, logoURL: nil, brandColor: nil, docsURL: nil, exclusive: false,
            envBootstrap: EnvBootstrap(vars: [.init(name: "TELEGRAM_BOT_TOKEN", valueFrom: "token")]))
        let data = try JSONEncoder().encode(original)
        let wire = try JSONValue(parsing: data)
        #expect(wire["external_id"] == "e")
        #expect(wire["setup_url"] == "https://s")
        #expect(wire["env_bootstrap"]?["vars"]?[0]?["value_from"] == "token")
        #expect(wire["status"] == "needs_reauth")
        #expect(try JSONDecoder().decode(Connection.self, from: data) == original)
    }

    @Test func statusSwitchesOverConstantsAndLiterals() {
        func describe(_ status: ConnectionStatus) -> String {
            switch status {
            case .connected: return "ok"
            case "needs_reauth": return "reauth"
            default: return "other:\(status)"
            }
        }
        #expect(describe(.connected) == "ok")
        #expect(describe(.needsReauth) == "reauth")
        #expect(describe("weird") == "other:weird")
        #expect(ConnectionStatus.known.count == 6)
        #expect(ConnectionProfile.known.map(\.rawValue).contains("composio_managed"))
    }

    @Test func openStringSetsKeepUnknownValuesThroughTheWire() throws {
        func roundTrip<T: OpenStringSet>(_ value: T) throws -> T {
            try JSONDecoder().decode([T].self, from: JSONEncoder().encode([value]))[0]
        }
        #expect(try roundTrip(ConnectionStatus(rawValue: "quarantined")) == "quarantined")
        #expect(try roundTrip(ConnectionProfile.userOAuth) == .userOAuth)
        #expect(try JSONEncoder().encode([ConnectionProfile("next_gen")]) == Data(#"["next_gen"]"#.utf8))
        #expect(ConnectionStatus.known.allSatisfy { $0.isKnown })
        #expect(ConnectionProfile.known.allSatisfy { $0.isKnown })
        #expect(!ConnectionProfile("next_gen").isKnown)
        #expect(String(describing: ConnectionProfile("next_gen")) == "next_gen")
    }

    @Test func envBootstrapDefaults() throws {
        let bootstrap = try decode(EnvBootstrap.self, #"{"vars":[{"name":"A"},7,{"value_from":"b"}]}"#)
        #expect(bootstrap.vars == [.init(name: "A", valueFrom: ""), .init(name: "", valueFrom: "b")])
        #expect(bootstrap.restart == "none")
        let encoded = try JSONValue(parsing: try JSONEncoder().encode(bootstrap))
        #expect(encoded["vars"]?[0]?["value_from"] == "")
    }

    @Test func integrationDefaultsAndProviderAlias() throws {
        let integration = try decode(
            Integration.self, #"{"provider":"notion","name":"Notion","category":"docs","default_profile":"user_oauth"}"#)
        #expect(integration.slug == "notion")
        #expect(integration.description == "")
        #expect(integration.supportedProfiles == ["user_oauth"])
        #expect(integration.enabled)
        #expect(!integration.featured)
        #expect(integration.logoURL == nil)
        let full = try decode(
            Integration.self,
            #"{"slug":"slack","name":"Slack","description":"Chat","category":"chat","logo_url":"l","brand_color":"c","docs_url":"d","supported_profiles":["user_oauth","byok_static"],"default_profile":"user_oauth","enabled":false,"featured":true,"extra":1}"#)
        #expect(full.supportedProfiles == ["user_oauth", "byok_static"])
        #expect(!full.enabled)
        #expect(full.featured)
        #expect(full.docsURL == "d")
        #expect(try JSONDecoder().decode(Integration.self, from: JSONEncoder().encode(full)) == full)
    }

    @Test func balanceAndSpendCapsDefaults() throws {
        #expect(try decode(Balance.self, "{}") == Balance(creditsRemainingMicros: 0, currency: "USD", topUpURL: ""))
        #expect(
            try decode(Balance.self, #"{"credits_remaining_micros":2500000.0,"currency":"EUR","top_up_url":"https://t"}"#)
                == Balance(creditsRemainingMicros: 2_500_000, currency: "EUR", topUpURL: "https://t"))
        #expect(try decode(SpendCaps.self, "{}") == SpendCaps(dailyMicros: nil, monthlyMicros: nil, usedTodayMicros: 0, usedMonthMicros: 0))
        let caps = try decode(
            SpendCaps.self, #"{"daily_micros":100,"monthly_micros":null,"used_today_micros":5,"used_month_micros":"77"}"#)
        #expect(caps == SpendCaps(dailyMicros: 100, monthlyMicros: nil, usedTodayMicros: 5, usedMonthMicros: 77))
        #expect(try JSONDecoder().decode(SpendCaps.self, from: JSONEncoder().encode(caps)) == caps)
    }

    @Test func billingPeriodRawValues() {
        #expect(BillingPeriod.allCases.map(\.rawValue) == ["day", "month"])
    }

    @Test func jsonValueParsingHelpers() throws {
        let value = try JSONValue(parsing: #"{"b":[1,2.5,"x",null,true]}"#)
        #expect(value["b"]?[1] == .double(2.5))
        #expect(String(decoding: try value.jsonData(), as: UTF8.self) == #"{"b":[1,2.5,"x",null,true]}"#)
        #expect(throws: (any Error).self) { try JSONValue(parsing: "{nope") }
    }
}
