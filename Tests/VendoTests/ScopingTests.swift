import Foundation
import Testing

@testable import Vendo

@Suite struct ScopingTests {
    private func vendo() throws -> Vendo {
        try Vendo(apiKey: "vendo_sk_scope", baseURL: "https://b.test", env: ["X": "1"], timeout: 7)
    }

    @Test func forUserKeepsSettingsAndAddsTheJWT() throws {
        let base = try vendo()
        let scoped = try base.forUser(jwt: "  eyJ.user.sig ")
        #expect(scoped.userJWT == "eyJ.user.sig")
        #expect(scoped.context.apiKey == "vendo_sk_scope")
        #expect(scoped.context.baseURL == base.context.baseURL)
        #expect(scoped.context.timeout == 7)
        #expect(scoped.context.env == ["X": "1"])
        #expect(scoped.context.platformHeaders()["X-Vendo-User-JWT"] == "eyJ.user.sig")
        #expect(base.userJWT == nil)
    }

    @Test func forUserRejectsEmptyAndControlCharacters() throws {
        let base = try vendo()
        #expect(throws: VendoError.self) { _ = try base.forUser(jwt: " ") }
        #expect {
            _ = try base.forUser(jwt: "abc\r\nX-Evil: 1")
        } throws: { error in
            if case .validation? = error as? VendoError { return true }
            return false
        }
    }

    @Test func forRequestIsCaseInsensitiveAndTrims() throws {
        let base = try vendo()
        #expect(try base.forRequest(headers: ["x-vendo-user-jwt": " j1 "]).userJWT == "j1")
        #expect(try base.forRequest(headers: ["X-VENDO-USER-JWT": "j2"]).userJWT == "j2")
    }

    @Test func forRequestTakesPairSequences() throws {
        let base = try vendo()
        let pairs: [(String, String)] = [("Host", "x"), ("X-Vendo-User-Jwt", ""), ("x-vendo-user-jwt", "j3")]
        #expect(try base.forRequest(headers: pairs).userJWT == "j3")
        let labelled: [(name: String, value: String)] = [(name: "X-Vendo-User-JWT", value: "j4")]
        #expect(try base.forRequest(headers: labelled).userJWT == "j4")
    }

    @Test func forRequestWithoutIdentity() throws {
        let base = try vendo()
        for headers in [[:], ["X-Vendo-User-JWT": ""], ["X-Vendo-User-JWT": "   "], ["Authorization": "Bearer x"]] {
            #expect {
                _ = try base.forRequest(headers: headers)
            } throws: { error in
                guard let error = error as? VendoError, case .identityNotPresent(let message) = error else { return false }
                return message.contains("X-Vendo-User-JWT") && error.code == "identity_not_present"
            }
        }
    }
}
