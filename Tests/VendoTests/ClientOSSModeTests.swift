import Foundation
import Testing

@testable import Vendo

/// OSS mode: tokens from the environment, Vendo-only surfaces refused before any I/O.
@Suite struct ClientOSSModeTests {
    private func oss(_ env: [String: String] = [:], transport: ScriptedTransport = .forbidden()) throws -> Vendo {
        try Vendo(env: env, transport: transport, retryPolicy: .none)
    }

    private func isVendoOnly(_ feature: String) -> (any Error) -> Bool {
        { error in
            guard case .vendoOnlyFeature(let name)? = error as? VendoError else { return false }
            return name == feature
        }
    }

    @Test func overrideWinsOverBYOKVariable() async throws {
        let vendo = try oss(["VENDO_TOKEN_OPENAI": "sk-override", "OPENAI_API_KEY": "sk-byok"])
        #expect(try await vendo.token("openai") == "sk-override")
    }

    @Test func byokPrimaryVariable() async throws {
        let vendo = try oss(["OPENAI_API_KEY": " sk-byok ", "TELEGRAM_BOT_TOKEN": "123:abc"])
        #expect(try await vendo.token("openai") == "sk-byok")
        #expect(try await vendo.token("telegram") == "123:abc")
    }

    @Test func hyphenatedSlugOverride() async throws {
        let vendo = try oss(["VENDO_TOKEN_MY_TOOL": "t"])
        #expect(try await vendo.token("my-tool") == "t")
    }

    @Test func missingCatalogueTokenNamesThePrimaryVariable() async throws {
        let vendo = try oss(["OPENAI_API_KEY": ""])
        await #expect {
            _ = try await vendo.token("openai")
        } throws: { error in
            guard case .notConnected(let slug, let message)? = error as? VendoError else { return false }
            return slug == "openai" && message.contains("OPENAI_API_KEY") && message.contains("VENDO_TOKEN_OPENAI")
        }
    }

    @Test func unknownSlugNamesOverrideAndAPIKey() async throws {
        let vendo = try oss()
        await #expect {
            _ = try await vendo.token("acme-crm")
        } throws: { error in
            guard let error = error as? VendoError, case .notConnected = error else { return false }
            return error.message.contains("VENDO_TOKEN_ACME_CRM") && error.message.contains("VENDO_API_KEY")
                && error.code == "binding_missing" && error.slug == "acme-crm"
        }
    }

    @Test func emptySlugIsAValidationError() async throws {
        let vendo = try oss()
        await #expect(throws: VendoError.self) { _ = try await vendo.token("  ") }
    }

    @Test func tokensMapsMissingToNil() async throws {
        let vendo = try oss(["ANTHROPIC_API_KEY": "a", "VENDO_TOKEN_SLACK": "s"])
        let tokens = try await vendo.tokens(["anthropic", "openai", "slack", "anthropic"])
        #expect(tokens.count == 3)
        #expect(tokens["anthropic"] == .some("a"))
        #expect(tokens["slack"] == .some("s"))
        #expect(tokens["openai"] == .some(nil))
    }

    @Test func vendoOnlySurfacesRefuseBeforeIO() async throws {
        let transport = ScriptedTransport.forbidden()
        let vendo = try oss(transport: transport)
        await #expect(performing: { _ = try await vendo.billing.balance() }, throws: isVendoOnly("billing.balance"))
        await #expect(performing: { _ = try await vendo.billing.spendCaps() }, throws: isVendoOnly("billing.spendCaps"))
        await #expect(performing: { _ = try await vendo.billing.usage(period: .day) }, throws: isVendoOnly("billing.usage"))
        await #expect(performing: { _ = try await vendo.data.execute("X", [:]) }, throws: isVendoOnly("data.execute"))
        #expect(performing: { _ = try vendo.connectURL(slug: "slack") }, throws: isVendoOnly("connectURL"))
        #expect(performing: { _ = try vendo.forUser(jwt: "j") }, throws: isVendoOnly("forUser"))
        #expect(
            performing: { _ = try vendo.forRequest(headers: ["X-Vendo-User-JWT": "j"]) },
            throws: isVendoOnly("forRequest"))
        #expect(transport.requests.isEmpty)
    }

    @Test func connectionsComeFromVendoConnectionsOffline() async throws {
        let transport = ScriptedTransport.forbidden()
        let vendo = try oss(["VENDO_CONNECTIONS": " slack, openai,,slack "], transport: transport)
        let list = try await vendo.connections.list()
        #expect(list.map(\.slug) == ["slack", "openai"])
        #expect(list.allSatisfy { $0.status == .connected && $0.context == nil })
        #expect(try await vendo.connections.get(slug: "openai")?.slug == "openai")
        #expect(try await vendo.connections.get(slug: "notion") == nil)
        #expect(try await (try oss()).connections.list().isEmpty)
        #expect(transport.requests.isEmpty)
    }

    @Test func envVarsAreOffline() throws {
        let vendo = try oss()
        #expect(vendo.integrations.envVars(for: "slack") == ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
        #expect(vendo.integrations.envVars(for: "openai") == ["OPENAI_API_KEY"])
        #expect(vendo.integrations.envVars(for: "nope").isEmpty)
    }

    @Test func invalidateIsHarmlessInOSSMode() async throws {
        let vendo = try oss(["OPENAI_API_KEY": "k"])
        await vendo.invalidate("openai")
        #expect(try await vendo.token("openai") == "k")
    }
}
