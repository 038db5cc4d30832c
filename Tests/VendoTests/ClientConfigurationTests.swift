import Foundation
import Testing

@testable import Vendo

@Suite struct ClientConfigurationTests {
    @Test func defaultsInOSSMode() throws {
        let vendo = try Vendo(env: [:])
        #expect(!vendo.isVendoMode)
        #expect(vendo.context.apiKey == nil)
        #expect(vendo.context.baseURL.absoluteString == "https://vendo.run")
        #expect(vendo.context.credentialsURL.absoluteString == "https://credentials.vendo.run")
        #expect(vendo.context.dataProxyURL.absoluteString == "https://composio-proxy.vendo.run")
        #expect(vendo.context.apiVersion == "2026-05-07")
        #expect(vendo.context.timeout == 30)
        #expect(vendo.context.userJWT == nil)
        #expect(vendo.context.retryPolicy.maxAttempts == 3)
    }

    @Test func environmentSuppliesEverything() throws {
        let vendo = try Vendo(env: [
            "VENDO_API_KEY": "  vendo_sk_env \n", "VENDO_BASE_URL": "http://127.0.0.1:9/",
            "VENDO_CREDENTIALS_URL": "http://127.0.0.1:9/creds//", "VENDO_DATA_PROXY_URL": "https://proxy.example",
        ])
        #expect(vendo.isVendoMode)
        #expect(vendo.context.apiKey == "vendo_sk_env")
        #expect(vendo.context.baseURL.absoluteString == "http://127.0.0.1:9")
        #expect(vendo.context.credentialsURL.absoluteString == "http://127.0.0.1:9/creds")
        #expect(vendo.context.dataProxyURL.absoluteString == "https://proxy.example")
    }

    @Test func argumentsWinOverEnvironment() throws {
        let vendo = try Vendo(
            apiKey: "vendo_sk_arg", baseURL: "https://a.example", apiVersion: "2026-05-02", userJWT: " jwt ",
            env: ["VENDO_API_KEY": "vendo_sk_env", "VENDO_BASE_URL": "https://env.example"],
            credentialsURL: "https://c.example", dataProxyURL: "https://d.example", timeout: 5)
        #expect(vendo.context.apiKey == "vendo_sk_arg")
        #expect(vendo.context.baseURL.absoluteString == "https://a.example")
        #expect(vendo.context.apiVersion == "2026-05-02")
        #expect(vendo.context.userJWT == "jwt")
        #expect(vendo.context.credentialsURL.host == "c.example")
        #expect(vendo.context.dataProxyURL.host == "d.example")
        #expect(vendo.context.timeout == 5)
    }

    @Test func emptyValuesCountAsUnset() throws {
        let vendo = try Vendo(apiKey: "", baseURL: "  ", env: ["VENDO_API_KEY": "vendo_sk_env", "VENDO_BASE_URL": ""])
        #expect(vendo.context.apiKey == "vendo_sk_env")
        #expect(vendo.context.baseURL.absoluteString == "https://vendo.run")
        #expect(!(try Vendo(env: ["VENDO_API_KEY": "   "])).isVendoMode)
    }

    @Test(arguments: ["byok", "BYOK", " byok "])
    func byokPlaceholderMeansOSS(key: String) throws {
        #expect(!(try Vendo(apiKey: key, env: ["VENDO_API_KEY": "vendo_sk_env"])).isVendoMode)
        #expect(!(try Vendo(env: ["VENDO_API_KEY": key])).isVendoMode)
        #expect(!Vendo.isVendoMode(env: ["VENDO_API_KEY": key]))
    }

    @Test func staticModeCheck() {
        #expect(Vendo.isVendoMode(env: ["VENDO_API_KEY": "vendo_sk_x"]))
        #expect(!Vendo.isVendoMode(env: [:]))
        #expect(!Vendo.isVendoMode(env: ["VENDO_API_KEY": ""]))
    }

    @Test(arguments: [
        ("ftp://vendo.run", "baseURL:"), ("not a url", "baseURL:"), ("https://", "baseURL:"),
        ("vendo.run", "baseURL:"), ("https://vendo.run?x=1", "baseURL:"),
    ])
    func unusableArgumentURLThrowsNamingIt(value: String, origin: String) {
        #expect {
            _ = try Vendo(baseURL: value, env: [:])
        } throws: { error in
            guard let error = error as? VendoError, case .other(let code, let message, nil) = error else { return false }
            return code == "invalid_configuration" && message.contains(origin) && message.contains(value)
        }
    }

    @Test(arguments: ["VENDO_BASE_URL", "VENDO_CREDENTIALS_URL", "VENDO_DATA_PROXY_URL"])
    func unusableEnvironmentURLThrowsNamingTheVariable(variable: String) {
        #expect {
            _ = try Vendo(env: [variable: "::::"])
        } throws: { error in
            (error as? VendoError)?.message.contains(variable) == true
        }
    }

    @Test func userAgentNamesTheSDK() {
        #expect(VendoSDK.userAgent.hasPrefix("vendo-swift/\(VendoSDK.version) ("))
    }

    @Test func platformHeadersPerMode() throws {
        let oss = try Vendo(env: [:]).context.platformHeaders()
        #expect(oss["Authorization"] == nil)
        #expect(oss["Vendo-API-Version"] == "2026-05-07")
        #expect(oss["Accept"] == "application/json")
        #expect(oss["User-Agent"] == VendoSDK.userAgent)
        #expect(oss["X-Vendo-User-JWT"] == nil)
        let scoped = try Vendo(apiKey: "vendo_sk_h", userJWT: "u.j.w", env: [:]).context.platformHeaders()
        #expect(scoped["Authorization"] == "Bearer vendo_sk_h")
        #expect(scoped["X-Vendo-User-JWT"] == "u.j.w")
    }

    @Test func tokenOverridesAreCollectedOnceFromTheEnvironment() throws {
        let env = [
            "VENDO_TOKEN_MY_TOOL": " t1 ", "VENDO_TOKEN_BLANK": "  ", "VENDO_TOKEN_ÉTÉ": "t2",
            "OPENAI_API_KEY": "sk", "XVENDO_TOKEN_NOPE": "n",
        ]
        let context = try Vendo(env: env).context
        #expect(context.tokenOverrides == ["VENDO_TOKEN_MY_TOOL": "t1", "VENDO_TOKEN_ÉTÉ": "t2"])
        #expect(context.tokenOverride(for: "my-tool") == "t1")
        #expect(context.tokenOverride(for: "été") == "t2")
        #expect(context.tokenOverride(for: "blank") == nil)
        #expect(context.tokenOverride(for: "openai") == nil)
        #expect(try Vendo(env: [:]).context.tokenOverrides.isEmpty)
        // Derived values follow a changed setting.
        var changed = context
        changed.env = ["VENDO_TOKEN_OTHER": "o"]
        #expect(changed.tokenOverride(for: "other") == "o")
        #expect(changed.tokenOverride(for: "my-tool") == nil)
    }

    @Test func theTokenCacheScopeIsBuiltOncePerClientAndFollowsScoping() throws {
        let vendo = try Vendo(apiKey: "vendo_sk_s", env: [:], credentialsURL: "https://creds.test/")
        let deployment = TokenCache.Scope(apiKey: "vendo_sk_s", credentialsURL: "https://creds.test", userJWT: nil)
        #expect(vendo.context.tokenScope == deployment)
        var user = deployment
        user.userJWT = "jwt-1"
        #expect(try vendo.forUser(jwt: "jwt-1").context.tokenScope == user)
        #expect(try Vendo(env: [:]).context.tokenScope == nil)
        var moved = vendo.context
        moved.credentialsURL = URL(string: "https://elsewhere.test")!
        moved.apiKey = "vendo_sk_t"
        #expect(moved.tokenScope == TokenCache.Scope(apiKey: "vendo_sk_t", credentialsURL: "https://elsewhere.test", userJWT: nil))
        moved.apiKey = nil
        #expect(moved.tokenScope == nil)
    }

    @Test(arguments: ["openai", " openai", "openai\n", "\topenai ", "\u{00A0}openai\u{3000}", "\r\nopenai\u{2028}"])
    func slugsAreTrimmed(raw: String) async throws {
        #expect(try Vendo.validSlug(raw, in: "token(_:)") == "openai")
        #expect(try await Vendo(env: ["OPENAI_API_KEY": "sk-1"]).token(raw) == "sk-1")
    }

    @Test(arguments: ["", " ", "\n\t", "\u{3000}"])
    func blankSlugsAreRefused(raw: String) {
        #expect(throws: VendoError.validation(
            message: "token(_:) needs a provider slug such as \"openai\"; it got an empty string.")
        ) { try Vendo.validSlug(raw, in: "token(_:)") }
    }

    @Test func redactedURLDropsTheQuery() {
        let url = URL(string: "https://u:p@vendo.run/connections/connect/x?app_key=secret")!
        #expect(!url.redactedDescription.contains("secret"))
        #expect(!url.redactedDescription.contains("u:p"))
    }
}
