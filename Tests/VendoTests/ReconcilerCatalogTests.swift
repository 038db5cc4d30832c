import Foundation
import Testing
import VendoTesting

@testable import Vendo

@Suite("Reconciler.catalogDefault")
struct ReconcilerCatalogTests {
    static let telegram = fakeConnection(
        slug: "telegram", credential: ["bot_token": "123:abc", "webhook_secret": "s3"],
        envBootstrap: EnvBootstrap(
            vars: [
                .init(name: "TELEGRAM_BOT_TOKEN", valueFrom: "bot_token"),
                .init(name: "TELEGRAM_SIGNING_SECRET", valueFrom: "credential.webhook_secret"),
                .init(name: "TELEGRAM_BOT_ID", valueFrom: "externalID"),
            ], restart: "gateway"))

    static var openrouter: Connection {
        var connection = fakeConnection(
            slug: "openrouter", profile: "vendo_managed_pool",
            envBootstrap: EnvBootstrap(
                vars: [
                    .init(name: "OPENROUTER_API_KEY", valueFrom: "api_key"),
                    .init(name: "OPENROUTER_BASE_URL", valueFrom: "baseURL"),
                    .init(name: "OPENROUTER_TEAM", valueFrom: "metadata.team.name"),
                    .init(name: "OPENROUTER_LIMITS", valueFrom: "metadata.limits"),
                    .init(name: "MISSING", valueFrom: "no_such_field"),
                ], restart: "none"))
        connection.apiKey = "vendo_sk_1"
        connection.baseURL = "https://openrouter-proxy.vendo.run/v1"
        connection.metadata = ["team": ["name": "Core"], "limits": [1, 2]]
        return connection
    }

    @Test func mapsConnectedConnectionsEnvBootstrapVars() async throws {
        var telegram = Self.telegram
        telegram.externalID = "987"
        let client = MockClient.withConnections([
            telegram, Self.openrouter,
            fakeConnection(
                slug: "gmail", status: .needsReauth, credential: ["access_token": "t"],
                envBootstrap: EnvBootstrap(vars: [.init(name: "GMAIL_TOKEN", valueFrom: "access_token")])),
            fakeConnection(slug: "plain", credential: ["api_key": "k"]),
        ])
        let catalog = Reconciler.catalogDefault(client: client, env: [:])
        let values = try await catalog.mapping()
        #expect(values == [
            "TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_SIGNING_SECRET": "s3", "TELEGRAM_BOT_ID": "987",
            "OPENROUTER_API_KEY": "vendo_sk_1", "OPENROUTER_BASE_URL": "https://openrouter-proxy.vendo.run/v1",
            "OPENROUTER_TEAM": "Core", "OPENROUTER_LIMITS": "[1,2]",
        ])
        #expect(catalog.restartPolicy(for: "TELEGRAM_BOT_TOKEN") == "gateway")
        #expect(catalog.restartPolicy(for: "OPENROUTER_API_KEY") == "none")
    }

    @Test func bareNamesFallBackToMetadataCredentialThenMetadataThenContext() {
        var connection = fakeConnection(slug: "x")
        connection.metadata = ["credential": ["SECRET_ENV": "from-metadata-credential"], "region": "eu"]
        connection.context = ["ref": "proj_1"]
        #expect(CatalogDefault.value(named: "SECRET_ENV", in: connection) == "from-metadata-credential")
        #expect(CatalogDefault.value(named: "region", in: connection) == "eu")
        #expect(CatalogDefault.value(named: "ref", in: connection) == "proj_1")
        #expect(CatalogDefault.value(named: "context.ref", in: connection) == "proj_1")
        #expect(CatalogDefault.value(named: "", in: connection) == nil)
        #expect(CatalogDefault.value(named: "slug", in: connection) == "x")
    }

    @Test func sandboxesSkipExclusiveConnections() async throws {
        var telegram = Self.telegram
        telegram.exclusive = true
        let client = MockClient.withConnections([telegram])
        #expect(try await Reconciler.catalogDefault(client: client, env: ["VENDO_SANDBOX": "1"]).mapping().isEmpty)
        #expect(try await Reconciler.catalogDefault(client: client, env: [:]).mapping().count == 2)
    }

    @Test func aFailingListLeavesTheFileAsItWas() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let client = MockClient.withConnections([Self.telegram])
        let catalog = Reconciler.catalogDefault(client: client, env: [:])
        try await Reconciler.bootstrap(envFile: folder.file(".env"), mapping: catalog.mapping)
        let before = try folder.contents(".env")
        client.setError(.upstream(status: 503, message: "down"), for: nil)
        await #expect(throws: VendoError.self) {
            try await Reconciler.bootstrap(envFile: folder.file(".env"), mapping: catalog.mapping)
        }
        #expect(try folder.contents(".env") == before)
    }

    @Test func theRestartHandlerCallsTheGatewayOnlyForGatewayVariables() async throws {
        let client = MockClient.withConnections([Self.telegram, Self.openrouter])
        let catalog = Reconciler.catalogDefault(client: client, env: [:])
        _ = try await catalog.mapping()
        let gatewayCalls = Locked(0)
        let exits = Locked<[Int32]>([])
        for (handler, label) in [
            (catalog.restartHandler(gateway: { gatewayCalls.withLock { $0 += 1 } }, terminate: { _ in }), "gateway"),
            (catalog.restartHandler(gateway: nil, terminate: { status in exits.withLock { $0.append(status) } }), "exit"),
        ] {
            guard case .call(let body) = handler else {
                Issue.record("\(label): not a .call handler")
                continue
            }
            try await body(ReconcilerDiff(changed: ["OPENROUTER_API_KEY"]))  // restart: none
            try await body(ReconcilerDiff(removed: ["TELEGRAM_BOT_TOKEN"]))  // restart: gateway
        }
        #expect(gatewayCalls.withLock { $0 } == 1)
        #expect(exits.withLock { $0 } == [0])
    }

    @Test func aRealClientIsAConnectionSource() async throws {
        let platform = try FakePlatform.start()
        defer { Task { await platform.stop() } }
        platform.setConnections([Self.telegram])
        let catalog = Reconciler.catalogDefault(client: try platform.client(), env: [:])
        #expect(try await catalog.mapping()["TELEGRAM_BOT_TOKEN"] == "123:abc")
    }
}
