import Foundation
import Testing
import VendoTesting

@testable import Vendo

@Suite struct IntegrationsTests {
    static let catalogue = [
        Integration(slug: "notion", name: "Notion", category: "docs", defaultProfile: "user_oauth"),
        Integration(slug: "openai", name: "OpenAI", supportedProfiles: ["byok_static", "vendo_managed_pool"], defaultProfile: "vendo_managed_pool", featured: true),
    ]

    @Test(arguments: [false, true])
    func listAcceptsBothShapes(bareArray: Bool) async throws {
        try await withPlatform { platform in
            platform.setIntegrations(Self.catalogue, bareArray: bareArray)
            let vendo = try platform.testClient()
            #expect(try await vendo.integrations.list() == Self.catalogue)
            #expect(platform.requests(to: .integrations).first?.path == "/api/integrations")
        }
    }

    @Test func getReturnsOneOrNilOn404() async throws {
        try await withPlatform { platform in
            platform.setIntegrations(Self.catalogue)
            let vendo = try platform.testClient()
            #expect(try await vendo.integrations.get(slug: "openai") == Self.catalogue[1])
            #expect(try await vendo.integrations.get(slug: "nope") == nil)
            #expect(platform.requests(to: .integration).map(\.path) == ["/api/integrations/openai", "/api/integrations/nope"])
        }
    }

    @Test func getStillThrowsOtherErrors() async throws {
        try await withPlatform { platform in
            platform.inject(.error(status: 401, code: "app_expired"), into: .integration)
            let vendo = try platform.testClient()
            await #expect(throws: VendoError.auth(message: "HTTP 401 (app_expired)", code: "app_expired")) {
                _ = try await vendo.integrations.get(slug: "openai")
            }
        }
    }

    @Test func catalogueWorksInOSSModeWithoutAuthorization() async throws {
        try await withPlatform { platform in
            platform.setIntegrations(Self.catalogue)
            let vendo = try platform.client(apiKey: nil)
            #expect(try await vendo.integrations.list().count == 2)
            #expect(platform.requests(to: .integrations).first?.header("Authorization") == nil)
        }
    }
}
