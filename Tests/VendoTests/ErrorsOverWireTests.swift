import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// Every code of the mapping, sent by a real server and read back through URLSession.
@Suite struct ErrorsOverWireTests {
    static let cases: [(code: String, status: Int, expected: VendoError)] = [
        ("app_unknown", 401, .auth(message: "boom", code: "app_unknown")),
        ("app_revoked", 401, .auth(message: "boom", code: "app_revoked")),
        ("app_expired", 401, .auth(message: "boom", code: "app_expired")),
        ("binding_missing", 403, .notConnected(slug: "slack", message: "boom (binding_missing)")),
        ("connection_revoked", 403, .notConnected(slug: "slack", message: "boom (connection_revoked)")),
        ("connection_needs_reauth", 403, .needsReauth(slug: "slack", message: "boom", connectURL: nil)),
        ("balance_exhausted", 402, .balanceExhausted(message: "boom")),
        ("spend_cap_daily", 402, .spendCapExceeded(message: "boom (spend_cap_daily)", retryAfter: 30)),
        ("spend_cap_monthly", 402, .spendCapExceeded(message: "boom (spend_cap_monthly)", retryAfter: 30)),
        ("upstream_rate_limited", 429, .rateLimited(retryAfter: 30)),
        ("upstream_error", 502, .upstream(status: 502, message: "boom")),
        ("validation_failed", 422, .validation(message: "boom")),
        ("idempotency_conflict", 409, .idempotencyConflict(message: "boom")),
        ("identity_not_present", 400, .identityNotPresent(message: "boom")),
        ("something_new", 418, .other(code: "something_new", message: "boom", status: 418)),
    ]

    @Test(arguments: [ErrorCodePlacement.header, .body, .both])
    func everyCodeInEveryPlacement(placement: ErrorCodePlacement) async throws {
        try await withPlatform { platform in
            let vendo = try platform.testClient(maxAttempts: 1)
            for (code, status, expected) in Self.cases {
                platform.inject(
                    .error(status: status, code: code, message: "boom", placement: placement,
                           extra: ["slug": "slack", "retry_after": 30]),
                    into: .balance)
                await #expect(throws: expected, "code \(code) in \(placement)") {
                    _ = try await vendo.billing.balance()
                }
            }
        }
    }

    @Test func noCodeAtAllIsInternalError() async throws {
        try await withPlatform { platform in
            platform.inject(.error(status: 400, code: "x", placement: .none), into: .connections)
            let vendo = try platform.testClient()
            await #expect(throws: VendoError.other(code: "internal_error", message: "HTTP 400 (internal_error)", status: 400)) {
                _ = try await vendo.connections.list()
            }
        }
    }

    @Test func retryAfterHeaderAndConnectURLAndFix() async throws {
        try await withPlatform { platform in
            platform.inject(
                .error(status: 429, code: "upstream_rate_limited", headers: ["Retry-After": "17"]), into: .balance)
            platform.inject(
                .error(status: 403, code: "connection_needs_reauth", message: "Expired",
                       extra: ["slug": "notion", "connect_url": "https://vendo.run/reauth/notion",
                               "suggested_fix": "Ask the user to reconnect Notion"]),
                into: .balance)
            let vendo = try platform.testClient()
            await #expect(throws: VendoError.rateLimited(retryAfter: 17)) { _ = try await vendo.billing.balance() }
            do {
                _ = try await vendo.billing.balance()
                Issue.record("expected an error")
            } catch let error as VendoError {
                #expect(error.slug == "notion")
                #expect(error.connectURL == "https://vendo.run/reauth/notion")
                #expect(error.suggestedFix == "Ask the user to reconnect Notion")
                #expect(error.localizedDescription.contains("https://vendo.run/reauth/notion"))
            }
        }
    }

    @Test func credentialsServiceErrorShapes() async throws {
        try await withPlatform { platform in
            platform.inject(
                .raw(status: 404, headers: ["Vendo-Error-Code": "provider_unknown"],
                     json: ["error": "provider unknown", "detail": "No provider zzz"]),
                into: .token)
            platform.inject(
                .raw(status: 500, headers: ["vendo-error-code": "profile_unsupported"], json: ["error": "profile unsupported"]),
                into: .token)
            let vendo = try platform.testClient(maxAttempts: 1)
            await #expect(throws: VendoError.other(code: "provider_unknown", message: "No provider zzz", status: 404)) {
                _ = try await vendo.token("zzz")
            }
            await #expect(throws: VendoError.other(code: "profile_unsupported", message: "profile unsupported", status: 500)) {
                _ = try await vendo.token("zzz")
            }
        }
    }

    @Test func nonJSONErrorBody() async throws {
        try await withPlatform { platform in
            platform.inject(.raw(status: 400, headers: ["Content-Type": "text/html"], body: "<h1>Bad</h1>"), into: .usage)
            let vendo = try platform.testClient()
            await #expect(throws: VendoError.other(code: "internal_error", message: "HTTP 400 (internal_error)", status: 400)) {
                _ = try await vendo.billing.usage()
            }
        }
    }

    @Test func wrongKeyIsAnAuthError() async throws {
        try await withPlatform { platform in
            platform.acceptAPIKeys(["vendo_sk_right"])
            let vendo = try platform.testClient(key: "vendo_sk_wrong")
            await #expect {
                _ = try await vendo.connections.list()
            } throws: { error in
                guard let error = error as? VendoError, case .auth(_, "app_unknown") = error else { return false }
                return error.localizedDescription.contains("VENDO_API_KEY")
            }
        }
    }
}
