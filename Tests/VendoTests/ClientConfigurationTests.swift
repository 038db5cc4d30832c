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

    @Test func tokenOverrideVariableNames() {
        #expect(Configuration.tokenOverrideVariable(for: "my-tool") == "VENDO_TOKEN_MY_TOOL")
        #expect(Configuration.tokenOverrideVariable(for: "openai") == "VENDO_TOKEN_OPENAI")
    }

    @Test func redactedURLDropsTheQuery() {
        let url = URL(string: "https://u:p@vendo.run/connections/connect/x?app_key=secret")!
        #expect(!url.redactedDescription.contains("secret"))
        #expect(!url.redactedDescription.contains("u:p"))
    }
}
