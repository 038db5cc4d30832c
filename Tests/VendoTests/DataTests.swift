import Foundation
import Testing
import VendoTesting

@testable import Vendo

@Suite struct DataTests {
    @Test func executePostsActionAndArgsAndReturnsData() async throws {
        try await withPlatform { platform in
            platform.setAction("SUPABASE_BETA_RUN_SQL_QUERY", result: [["count": 3]])
            let vendo = try platform.testClient()
            let result = try await vendo.data.execute(
                "SUPABASE_BETA_RUN_SQL_QUERY", ["project_id": "abc", "query": "SELECT 1"])
            #expect(result == [["count": 3]])
            let request = try #require(platform.requests(to: .execute).first)
            #expect(request.method == "POST")
            #expect(request.path == "/data-proxy/v1/execute")
            #expect(request.json == ["action_id": "SUPABASE_BETA_RUN_SQL_QUERY", "args": ["project_id": "abc", "query": "SELECT 1"]])
        }
    }

    @Test func emptyArgsAreAnObject() async throws {
        try await withPlatform { platform in
            platform.setAction("A", result: nil)
            let vendo = try platform.testClient()
            #expect(try await vendo.data.execute("A") == .null)
            #expect(platform.requests(to: .execute).first?.json == ["action_id": "A", "args": [:]])
        }
    }

    @Test func answerWithoutDataIsReturnedWhole() async throws {
        try await withPlatform { platform in
            platform.setAction("A", response: .raw(status: 200, json: ["result": "whole"]))
            let vendo = try platform.testClient()
            #expect(try await vendo.data.execute("A") == ["result": "whole"])
        }
    }

    @Test func bindingMissingIsNotConnectedWithTheToolkit() async throws {
        try await withPlatform { platform in
            platform.setAction("A", response: .raw(status: 403, json: ["error": "binding_missing", "toolkit": "supabase"]))
            let vendo = try platform.testClient()
            await #expect {
                _ = try await vendo.data.execute("A")
            } throws: { error in
                guard let error = error as? VendoError, case .notConnected("supabase", _) = error else { return false }
                return error.code == "binding_missing"
            }
        }
    }

    @Test func otherProxyErrorsAreComposioUpstream() async throws {
        try await withPlatform { platform in
            let vendo = try platform.testClient()
            await #expect {
                _ = try await vendo.data.execute("UNKNOWN_ACTION")
            } throws: { error in
                guard let error = error as? VendoError, case .upstream(400, let message) = error else { return false }
                return error.code == "composio_error" && message.contains("UNKNOWN_ACTION")
            }
        }
    }

    @Test func emptyActionIsRejectedBeforeIO() async throws {
        try await withPlatform { platform in
            let vendo = try platform.testClient()
            await #expect(throws: VendoError.self) { _ = try await vendo.data.execute(" ") }
            #expect(platform.requests.isEmpty)
        }
    }
}
