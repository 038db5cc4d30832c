import Foundation
import Testing
import VendoTesting

@testable import Vendo

/// The static shortcuts over `Vendo.shared`. Serialized: they share one process-wide client.
@Suite(.serialized) struct ClientShortcutsTests {
    @Test func shortcutsUseTheSharedClientAndTheSharedCache() async throws {
        try await withPlatform { platform in
            defer { Vendo.setShared(nil) }
            platform.setToken("slack", "s1")
            let key = uniqueKey()
            let instance = try platform.testClient(key: key)
            Vendo.setShared(try platform.testClient(key: key))
            // The instance fills the cache; the shortcut reads it without a request.
            #expect(try await instance.token("slack") == "s1")
            #expect(try await Vendo.token("slack") == "s1")
            #expect(platform.requests(to: .token).count == 1)
            // Invalidating through the shortcut is seen by the instance.
            platform.setToken("slack", "s2")
            try await Vendo.invalidate("slack")
            #expect(try await instance.token("slack") == "s2")
            // And the other way round.
            platform.setToken("slack", "s3")
            await instance.invalidate("slack")
            #expect(try await Vendo.token("slack") == "s3")
            #expect(platform.requests(to: .token).count == 3)

            platform.setToken("a", "ta")
            let tokens = try await Vendo.tokens(["a", "zzz"])
            #expect(tokens == ["a": "ta", "zzz": String?.none])
            #expect(try Vendo.connectURL(slug: "slack", state: "x").absoluteString
                == "\(platform.baseURL.absoluteString)/connections/connect/slack?app_key=\(key)&state=x")
            platform.setProviderToken("s3")
            let (_, response) = try await Vendo.session("slack").data(from: platform.providerURL)
            #expect(response.statusCode == 200)
        }
    }

    @Test func sharedIsBuiltFromTheProcessEnvironment() async throws {
        defer { Vendo.setShared(nil) }
        Vendo.setShared(nil)
        let shared = try Vendo.shared
        #expect(shared.isVendoMode == Vendo.isVendoMode())
        #expect(try Vendo.shared === shared)
        #expect(Vendo.isVendoMode() == Vendo.isVendoMode(env: ProcessInfo.processInfo.environment))
    }

    @Test func staticTokenInOSSModeNamesTheVariable() async throws {
        defer { Vendo.setShared(nil) }
        Vendo.setShared(try Vendo(env: [:]))
        await #expect {
            _ = try await Vendo.token("unlisted-thing")
        } throws: { error in
            (error as? VendoError)?.message.contains("VENDO_TOKEN_UNLISTED_THING") == true
        }
        #expect(throws: VendoError.vendoOnlyFeature(featureName: "connectURL")) {
            _ = try Vendo.connectURL(slug: "x")
        }
    }
}
