import Foundation
import Testing

@testable import Vendo

@Suite struct ConnectURLTests {
    @Test func instanceShape() throws {
        let vendo = try Vendo(apiKey: "vendo_sk_abc", baseURL: "https://vendo.run", env: [:])
        #expect(try vendo.connectURL(slug: "slack").absoluteString
            == "https://vendo.run/connections/connect/slack?app_key=vendo_sk_abc")
        #expect(try vendo.connectURL(slug: "slack", returnTo: "https://app.example/after?x=1&y=a b", state: "s/1+2").absoluteString
            == "https://vendo.run/connections/connect/slack?app_key=vendo_sk_abc&return_to=https%3A%2F%2Fapp.example%2Fafter%3Fx%3D1%26y%3Da+b&state=s%2F1%2B2")
    }

    @Test(arguments: ["https://vendo.run/api", "https://vendo.run/api/", "https://vendo.run/", "https://vendo.run//"])
    func trailingAPIAndSlashAreDropped(base: String) throws {
        let vendo = try Vendo(apiKey: "k1", baseURL: base, env: [:])
        #expect(try vendo.connectURL(slug: "notion").absoluteString == "https://vendo.run/connections/connect/notion?app_key=k1")
    }

    @Test func slugIsOnePathSegment() throws {
        let url = try Vendo.connectURL(slug: "a/b c", apiKey: "k", baseURL: "http://127.0.0.1:8080/prefix", env: [:])
        #expect(url.absoluteString == "http://127.0.0.1:8080/prefix/connections/connect/a%2Fb%20c?app_key=k")
    }

    @Test func staticFormReadsBaseFromEnvironment() throws {
        let url = try Vendo.connectURL(
            slug: "gmail", apiKey: "vendo_sk_s", returnTo: "/done", env: ["VENDO_BASE_URL": "https://staging.vendo.run/api"])
        #expect(url.absoluteString == "https://staging.vendo.run/connections/connect/gmail?app_key=vendo_sk_s&return_to=%2Fdone")
        let defaulted = try Vendo.connectURL(slug: "gmail", apiKey: "vendo_sk_s", env: [:])
        #expect(defaulted.host == "vendo.run")
    }

    @Test func staticFormWithoutKeyIsVendoOnly() {
        for key in ["", "byok", "  "] {
            #expect(throws: VendoError.vendoOnlyFeature(featureName: "connectURL")) {
                _ = try Vendo.connectURL(slug: "gmail", apiKey: key, env: [:])
            }
        }
    }

    @Test func emptySlugIsRejected() throws {
        let vendo = try Vendo(apiKey: "k", env: [:])
        #expect(throws: VendoError.self) { _ = try vendo.connectURL(slug: "") }
    }

    @Test func emptyOptionalValuesAreLeftOut() throws {
        let vendo = try Vendo(apiKey: "k", env: [:])
        #expect(try vendo.connectURL(slug: "x", returnTo: "", state: " ").query == "app_key=k")
    }
}
