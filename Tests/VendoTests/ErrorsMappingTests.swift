import Foundation
import Testing

@testable import Vendo

/// `VendoError.from(status:headers:body:)`: every code of protocol §3 and the special shapes.
@Suite struct ErrorsMappingTests {
    private func body(_ json: String) -> Data { Data(json.utf8) }

    @Test(arguments: [
        ("app_unknown", 401), ("app_revoked", 401), ("app_expired", 401),
    ])
    func authCodes(code: String, status: Int) {
        let error = VendoError.from(status: status, headers: ["Vendo-Error-Code": code], body: nil)
        #expect(error == .auth(message: "HTTP \(status) (\(code))", code: code))
        #expect(error.code == code)
        #expect(error.status == 401)
    }

    @Test func bindingMissingKeepsSlugAndCode() {
        let error = VendoError.from(
            status: 403, headers: ["vendo-error-code": "binding_missing"],
            body: body(#"{"error":{"code":"ignored","message":"Slack is not connected","slug":"slack"}}"#))
        guard case .notConnected(let slug, let message) = error else {
            Issue.record("expected notConnected, got \(error)")
            return
        }
        #expect(slug == "slack")
        #expect(message.hasPrefix("Slack is not connected"))
        #expect(error.code == "binding_missing")
        #expect(error.slug == "slack")
    }

    @Test func connectionRevokedIsNotConnectedWithItsOwnCode() {
        let error = VendoError.from(
            status: 403, headers: [:],
            body: body(#"{"error":{"code":"connection_revoked","message":"Revoked by the tenant","slug":"gmail"}}"#))
        guard case .notConnected(let slug, _) = error else {
            Issue.record("expected notConnected, got \(error)")
            return
        }
        #expect(slug == "gmail")
        #expect(error.code == "connection_revoked")
        #expect(error.message.contains("Revoked by the tenant"))
    }

    @Test func needsReauthCarriesConnectURL() {
        let error = VendoError.from(
            status: 403, headers: ["Vendo-Error-Code": "connection_needs_reauth"],
            body: body(#"{"error":{"message":"Token expired","slug":"notion","connect_url":"https://vendo.run/c/notion"}}"#))
        #expect(error == .needsReauth(slug: "notion", message: "Token expired", connectURL: "https://vendo.run/c/notion"))
        #expect(error.connectURL == "https://vendo.run/c/notion")
        #expect(error.code == "connection_needs_reauth")
        #expect(error.localizedDescription.contains("https://vendo.run/c/notion"))
    }

    @Test func balanceExhausted() {
        let error = VendoError.from(status: 402, headers: ["Vendo-Error-Code": "balance_exhausted"], body: nil)
        #expect(error == .balanceExhausted(message: "HTTP 402 (balance_exhausted)"))
        #expect(error.status == 402)
        #expect(error.localizedDescription.contains("top"))
    }

    @Test(arguments: ["spend_cap_daily", "spend_cap_monthly"])
    func spendCapsKeepTheirCodeAndRetryAfter(code: String) {
        let error = VendoError.from(
            status: 402, headers: ["Vendo-Error-Code": code],
            body: body(#"{"error":{"message":"Cap reached","retry_after":3600}}"#))
        guard case .spendCapExceeded(let message, let retryAfter) = error else {
            Issue.record("expected spendCapExceeded, got \(error)")
            return
        }
        #expect(message.hasPrefix("Cap reached"))
        #expect(retryAfter == 3600)
        #expect(error.code == code)
        #expect(error.retryAfter == 3600)
    }

    @Test func rateLimitedFromBodyOrHeader() {
        let fromBody = VendoError.from(
            status: 429, headers: ["Vendo-Error-Code": "upstream_rate_limited", "Retry-After": "99"],
            body: body(#"{"error":{"retry_after":"12"}}"#))
        #expect(fromBody == .rateLimited(retryAfter: 12))
        let fromHeader = VendoError.from(
            status: 429, headers: ["Vendo-Error-Code": "upstream_rate_limited", "retry-after": " 7 "], body: nil)
        #expect(fromHeader == .rateLimited(retryAfter: 7))
        #expect(fromHeader.code == "upstream_rate_limited")
        #expect(fromHeader.status == 429)
        #expect(fromHeader.message.contains("7 s"))
        let none = VendoError.from(status: 429, headers: ["Vendo-Error-Code": "upstream_rate_limited"], body: nil)
        #expect(none == .rateLimited(retryAfter: nil))
    }

    @Test func retryAfterAsHTTPDate() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: now.addingTimeInterval(120))
        #expect(VendoError.parseRetryAfter(date, now: now) == 120)
        #expect(VendoError.parseRetryAfter(formatter.string(from: now.addingTimeInterval(-50)), now: now) == 0)
        #expect(VendoError.parseRetryAfter("1.2", now: now) == 2)
        #expect(VendoError.parseRetryAfter("soon", now: now) == nil)
    }

    @Test func upstreamKeepsStatus() {
        let error = VendoError.from(
            status: 502, headers: ["Vendo-Error-Code": "upstream_error"],
            body: body(#"{"error":{"message":"OpenAI is down"}}"#))
        #expect(error == .upstream(status: 502, message: "OpenAI is down"))
        #expect(error.status == 502)
        #expect(error.code == "upstream_error")
    }

    @Test func validationAndIdempotency() {
        #expect(
            VendoError.from(status: 422, headers: ["Vendo-Error-Code": "validation_failed"], body: nil)
                == .validation(message: "HTTP 422 (validation_failed)"))
        let conflict = VendoError.from(status: 409, headers: ["Vendo-Error-Code": "idempotency_conflict"], body: nil)
        #expect(conflict == .idempotencyConflict(message: "HTTP 409 (idempotency_conflict)"))
        #expect(conflict.code == "idempotency_conflict")
        #expect(conflict.status == 409)
    }

    @Test func localCodesOnTheWireStillMap() {
        #expect(
            VendoError.from(status: 400, headers: ["Vendo-Error-Code": "identity_not_present"], body: nil)
                == .identityNotPresent(message: "HTTP 400 (identity_not_present)"))
        let vendoOnly = VendoError.from(status: 400, headers: ["Vendo-Error-Code": "vendo_only_feature"], body: nil)
        #expect(vendoOnly.code == "vendo_only_feature")
    }

    @Test func unknownCodeIsKept() {
        let error = VendoError.from(
            status: 404, headers: ["Vendo-Error-Code": "provider_unknown"],
            body: body(#"{"error":"provider_unknown","detail":"No provider called zzz"}"#))
        #expect(error == .other(code: "provider_unknown", message: "No provider called zzz", status: 404))
        #expect(error.code == "provider_unknown")
        #expect(error.status == 404)
    }

    @Test func noCodeAnywhereIsInternalError() {
        let error = VendoError.from(status: 500, headers: [:], body: body("<html>oops</html>"))
        #expect(error == .other(code: "internal_error", message: "HTTP 500 (internal_error)", status: 500))
    }

    @Test func headerWinsOverBody() {
        let error = VendoError.from(
            status: 401, headers: ["VENDO-ERROR-CODE": "app_revoked"],
            body: body(#"{"error":{"code":"balance_exhausted","message":"Key revoked"}}"#))
        #expect(error == .auth(message: "Key revoked", code: "app_revoked"))
    }

    @Test func blankHeaderFallsBackToBodyCode() {
        let error = VendoError.from(
            status: 402, headers: ["Vendo-Error-Code": "  "],
            body: body(#"{"error":{"code":"balance_exhausted"}}"#))
        #expect(error == .balanceExhausted(message: "HTTP 402 (balance_exhausted)"))
    }

    @Test func credentialsServiceShapeUsesDetailElseError() {
        let withDetail = VendoError.from(
            status: 500, headers: ["Vendo-Error-Code": "profile_unsupported"],
            body: body(#"{"error":"profile unsupported","detail":"webhook_inbound has no token"}"#))
        #expect(withDetail.message == "webhook_inbound has no token")
        let withoutDetail = VendoError.from(
            status: 502, headers: ["Vendo-Error-Code": "upstream_error"],
            body: body(#"{"error":"refresh failed"}"#))
        #expect(withoutDetail == .upstream(status: 502, message: "refresh failed"))
    }

    @Test func suggestedFixIsFoldedAndReadBack() {
        let error = VendoError.from(
            status: 401, headers: ["Vendo-Error-Code": "app_expired"],
            body: body(#"{"error":{"message":"Key expired","suggested_fix":"Rotate the key in the dashboard"}}"#))
        #expect(error.suggestedFix == "Rotate the key in the dashboard")
        #expect(error.message.hasPrefix("Key expired"))
        #expect(error.recoverySuggestion == "Rotate the key in the dashboard")
        let plain = VendoError.from(status: 401, headers: ["Vendo-Error-Code": "app_expired"], body: nil)
        #expect(plain.suggestedFix == nil)
    }

    @Test func notConnectedConnectURLIsFoldedAndReadBack() {
        let error = VendoError.from(
            status: 403, headers: ["Vendo-Error-Code": "binding_missing"],
            body: body(#"{"error":{"message":"Not connected","slug":"slack","connect_url":"https://vendo.run/connect/slack?x=1"}}"#))
        #expect(error.connectURL == "https://vendo.run/connect/slack?x=1")
        #expect(error.slug == "slack")
        #expect(error.code == "binding_missing")
    }

    @Test func dataProxyBindingMissing() {
        let error = VendoError.map(
            status: 403, headers: [:], body: body(#"{"error":"binding_missing","toolkit":"supabase"}"#),
            source: .dataProxy)
        guard case .notConnected(let slug, let message) = error else {
            Issue.record("expected notConnected, got \(error)")
            return
        }
        #expect(slug == "supabase")
        #expect(message.contains("supabase"))
        #expect(error.code == "binding_missing")
    }

    @Test func dataProxyOtherStringErrorIsComposioUpstream() {
        let error = VendoError.map(
            status: 400, headers: [:], body: body(#"{"error":"Action SUPA_X not found"}"#), source: .dataProxy)
        guard case .upstream(let status, let message) = error else {
            Issue.record("expected upstream, got \(error)")
            return
        }
        #expect(status == 400)
        #expect(message.contains("Action SUPA_X not found"))
        #expect(error.code == "composio_error")
    }

    @Test func dataProxyObjectErrorUsesGeneralRules() {
        let error = VendoError.map(
            status: 401, headers: ["Vendo-Error-Code": "app_unknown"], body: body(#"{"error":{"message":"Who?"}}"#),
            source: .dataProxy)
        #expect(error == .auth(message: "Who?", code: "app_unknown"))
    }

    @Test func propertiesOfLocalErrors() {
        let vendoOnly = VendoError.vendoOnlyFeature(featureName: "billing.balance")
        #expect(vendoOnly.code == "vendo_only_feature")
        #expect(vendoOnly.status == nil)
        #expect(vendoOnly.message.contains("VENDO_API_KEY"))
        #expect(vendoOnly.message.contains("billing.balance"))
        #expect(vendoOnly.suggestedFix?.contains("VENDO_API_KEY") == true)
        #expect(vendoOnly.localizedDescription.contains("VENDO_API_KEY"))
        let identity = VendoError.identityNotPresent(message: "no header")
        #expect(identity.code == "identity_not_present")
        #expect(identity.status == nil)
        #expect(identity.suggestedFix?.contains("X-Vendo-User-JWT") == true)
    }

    @Test func everyCaseAnswersEveryProperty() {
        let all: [VendoError] = [
            .auth(message: "m", code: "app_unknown"), .notConnected(slug: "s", message: "m"),
            .needsReauth(slug: "s", message: "m", connectURL: "u"), .balanceExhausted(message: "m"),
            .spendCapExceeded(message: "m", retryAfter: 5), .rateLimited(retryAfter: 5),
            .upstream(status: 503, message: "m"), .validation(message: "m"), .idempotencyConflict(message: "m"),
            .vendoOnlyFeature(featureName: "f"), .identityNotPresent(message: "m"),
            .other(code: "x", message: "m", status: 418),
        ]
        let codes = all.map(\.code)
        #expect(codes == [
            "app_unknown", "binding_missing", "connection_needs_reauth", "balance_exhausted", "spend_cap_daily",
            "upstream_rate_limited", "upstream_error", "validation_failed", "idempotency_conflict",
            "vendo_only_feature", "identity_not_present", "x",
        ])
        #expect(all.map(\.status) == [401, 403, 403, 402, 402, 429, 503, 400, 409, nil, nil, 418])
        #expect(all.map(\.slug) == [nil, "s", "s", nil, nil, nil, nil, nil, nil, nil, nil, nil])
        #expect(all.map(\.retryAfter) == [nil, nil, nil, nil, 5, 5, nil, nil, nil, nil, nil, nil])
        for error in all {
            #expect(!error.message.isEmpty)
            #expect(error.errorDescription?.isEmpty == false)
        }
    }

    @Test func byteAndStringBodiesAgree() {
        let json = #"{"error":{"code":"validation_failed","message":"bad"}}"#
        let fromData = VendoError.from(status: 400, headers: [:], body: Data(json.utf8))
        #expect(VendoError.from(status: 400, headers: [:], body: Array(json.utf8)) == fromData)
        #expect(VendoError.from(status: 400, headers: [:], body: json) == fromData)
        #expect(fromData == .validation(message: "bad"))
    }
}
