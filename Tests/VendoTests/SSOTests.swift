import Foundation
import Testing

@testable import Vendo

@Suite("SSO")
struct SSOTests {
    static let headers = [
        "X-Vendo-User-Id": "usr_1", "X-Vendo-User-Email": "ada@example.com", "X-Vendo-User-Name": "Ada L.",
        "X-Vendo-Tenant-Id": "ten_9", "X-Vendo-Role": "owner", "Content-Type": "text/plain",
    ]

    @Test("isEnabled is true only for VENDO_AUTH=1", arguments: [
        (["VENDO_AUTH": "1"], true), (["VENDO_AUTH": " 1\n"], true), (["VENDO_AUTH": "0"], false),
        (["VENDO_AUTH": "true"], false), (["VENDO_AUTH": ""], false), ([:], false), (["vendo_auth": "1"], false),
    ])
    func isEnabled(env: [String: String], expected: Bool) {
        #expect(SSO.isEnabled(env: env) == expected)
    }

    @Test("identity from the proxy's headers")
    func identity() throws {
        let identity = try #require(SSO.identity(fromHeaders: Self.headers))
        #expect(identity == VendoIdentity(userID: "usr_1", email: "ada@example.com", name: "Ada L.", tenantID: "ten_9", role: .owner))
        #expect(identity.role == .owner)
    }

    @Test("header names match in any case; values are trimmed")
    func caseInsensitive() throws {
        let headers = [
            "x-vendo-user-id": " usr_1 ", "X-VENDO-USER-EMAIL": "ada@example.com", "x-Vendo-User-Name": "Ada",
            "X-Vendo-Tenant-ID": "ten_9", "x-vendo-role": "member\t",
        ]
        let identity = try #require(SSO.identity(fromHeaders: headers))
        #expect(identity.userID == "usr_1")
        #expect(identity.role == .member)
        #expect(identity.tenantID == "ten_9")
    }

    @Test("labelled and unlabelled header pairs work like a dictionary")
    func headerPairs() throws {
        let labelled = Self.headers.map { (name: $0.key.lowercased(), value: $0.value) }
        let unlabelled = Self.headers.map { ($0.key.uppercased(), $0.value) }
        #expect(SSO.identity(fromHeaders: labelled) == SSO.identity(fromHeaders: Self.headers))
        #expect(SSO.identity(fromHeaders: unlabelled) == SSO.identity(fromHeaders: Self.headers))
        #expect(SSO.identityResponse(headers: labelled)["user_id"] == "usr_1")
        #expect(SSO.identityResponse(headers: unlabelled)["role"] == "owner")
    }

    @Test("a missing or empty required header gives nil", arguments: ["X-Vendo-User-Id", "X-Vendo-User-Email", "X-Vendo-Tenant-Id", "X-Vendo-Role"])
    func requiredHeaders(name: String) {
        var missing = Self.headers
        missing[name] = nil
        #expect(SSO.identity(fromHeaders: missing) == nil)
        #expect(SSO.identityResponse(headers: missing) == [:])
        var empty = Self.headers
        empty[name] = "  "
        #expect(SSO.identity(fromHeaders: empty) == nil)
    }

    @Test("the name is optional and may be empty")
    func optionalName() throws {
        var headers = Self.headers
        headers["X-Vendo-User-Name"] = ""
        #expect(try #require(SSO.identity(fromHeaders: headers)).name == "")
        headers["X-Vendo-User-Name"] = nil
        #expect(try #require(SSO.identity(fromHeaders: headers)).name == "")
    }

    @Test("a repeated identity header is ambiguous: nil")
    func repeated() {
        var pairs = Self.headers.map { (name: $0.key, value: $0.value) }
        pairs.append((name: "x-vendo-user-id", value: "usr_evil"))
        #expect(SSO.identity(fromHeaders: pairs) == nil)
        var names = Self.headers.map { (name: $0.key, value: $0.value) }
        names.append((name: "x-vendo-user-name", value: "Other"))
        #expect(SSO.identity(fromHeaders: names) == nil)
    }

    @Test("unknown roles are kept as sent")
    func unknownRole() throws {
        var headers = Self.headers
        headers["X-Vendo-Role"] = "billing-admin"
        let identity = try #require(SSO.identity(fromHeaders: headers))
        #expect(identity.role.rawValue == "billing-admin")
        #expect(identity.role != .owner && identity.role != .member && identity.role != .viewer)
        #expect(VendoIdentity.Role.viewer.description == "viewer")
    }

    @Test("identityResponse: snake_case members, {} when absent")
    func identityResponse() {
        #expect(SSO.identityResponse(headers: Self.headers) == [
            "user_id": "usr_1", "email": "ada@example.com", "name": "Ada L.", "tenant_id": "ten_9", "role": "owner",
        ])
        #expect(SSO.identityResponse(headers: [:]) == [:])
        #expect(SSO.identityResponse(headers: ["X-Vendo-User-Id": "u"]) == [:])
    }

    @Test("VendoIdentity is Codable with snake_case keys; a missing name decodes as empty")
    func codable() throws {
        let identity = VendoIdentity(userID: "u", email: "e", name: "n", tenantID: "t", role: "custom")
        let data = try JSONEncoder().encode(identity)
        #expect(try JSONValue.parse(utf8: data) == ["user_id": "u", "email": "e", "name": "n", "tenant_id": "t", "role": "custom"])
        #expect(try JSONDecoder().decode(VendoIdentity.self, from: data) == identity)
        let noName = #"{"user_id":"u","email":"e","tenant_id":"t","role":"viewer","extra":1}"#
        let decoded = try JSONDecoder().decode(VendoIdentity.self, from: Data(noName.utf8))
        #expect(decoded.name == "" && decoded.role == .viewer)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(VendoIdentity.self, from: Data(#"{"user_id":"u"}"#.utf8)) }
    }

    @Test("fixed URLs and paths")
    func constants() {
        #expect(SSO.logoutURL == "/__vendo/auth/logout")
        #expect(SSO.dashboardURL == "https://vendo.run/dashboard")
        #expect(SSO.identityEndpointPath == "/api/vendo/identity")
    }
}
