import Testing

@testable import Vendo

@Suite("Deployment")
struct DeploymentTests {
    static let env = [
        "VENDO_TENANT_ID": "ten_1", "VENDO_DEPLOYMENT_ID": " dep_2 ", "VENDO_DEPLOYMENT_SLUG": "my-app",
        "VENDO_API_KEY": "vendo_sk_x", "VENDO_API_URL": "https://staging.vendo.run", "VENDO_SANDBOX": "1",
    ]

    @Test("each reader returns its variable, trimmed")
    func readers() {
        #expect(Deployment.tenantID(env: Self.env) == "ten_1")
        #expect(Deployment.deploymentID(env: Self.env) == "dep_2")
        #expect(Deployment.deploymentSlug(env: Self.env) == "my-app")
        #expect(Deployment.apiKey(env: Self.env) == "vendo_sk_x")
        #expect(Deployment.apiURL(env: Self.env) == "https://staging.vendo.run")
        #expect(Deployment.isRunningOnVendo(env: Self.env))
        #expect(Deployment.isSandbox(env: Self.env))
    }

    @Test("unset and empty values count as unset; apiURL defaults to https://vendo.run")
    func unsetAndEmpty() {
        for env in [[:], Self.env.mapValues { _ in "" }, Self.env.mapValues { _ in "  " }] {
            #expect(Deployment.tenantID(env: env) == nil)
            #expect(Deployment.deploymentID(env: env) == nil)
            #expect(Deployment.deploymentSlug(env: env) == nil)
            #expect(Deployment.apiKey(env: env) == nil)
            #expect(Deployment.apiURL(env: env) == "https://vendo.run")
            #expect(!Deployment.isRunningOnVendo(env: env))
            #expect(!Deployment.isSandbox(env: env))
        }
    }

    @Test("isRunningOnVendo looks at VENDO_DEPLOYMENT_ID only, not the key")
    func runningOnVendo() {
        #expect(!Deployment.isRunningOnVendo(env: ["VENDO_API_KEY": "vendo_sk_x"]))
        #expect(Deployment.isRunningOnVendo(env: ["VENDO_DEPLOYMENT_ID": "d"]))
    }

    @Test("isSandbox needs exactly 1", arguments: ["0", "true", "yes", "11"])
    func sandboxValues(value: String) {
        #expect(!Deployment.isSandbox(env: ["VENDO_SANDBOX": value]))
    }

    @Test("the process environment is the default")
    func processEnvironment() {
        let environment = ProcessInfo.processInfo.environment
        #expect(Deployment.deploymentID() == Deployment.deploymentID(env: environment))
        #expect(Deployment.apiURL() == Deployment.apiURL(env: environment))
    }
}

import Foundation
