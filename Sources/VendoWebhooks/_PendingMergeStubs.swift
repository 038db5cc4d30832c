// TEMPORARY: stand-ins for the server and SDK APIs until the `server` and
// `sdk` branches are merged into `webhooks`. Delete this file after the merge.
import Foundation
import Vendo

public struct HTTPMethod: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static let get: HTTPMethod = "GET"
    public static let head: HTTPMethod = "HEAD"
    public static let post: HTTPMethod = "POST"
    public static let put: HTTPMethod = "PUT"
}
public struct HTTPStatus: Hashable, Sendable {
    public var code: Int
    public init(code: Int) { self.code = code }
    public static let ok = HTTPStatus(code: 200)
    public static let badRequest = HTTPStatus(code: 400)
    public static let unauthorized = HTTPStatus(code: 401)
    public static let notFound = HTTPStatus(code: 404)
    public static let methodNotAllowed = HTTPStatus(code: 405)
    public static let payloadTooLarge = HTTPStatus(code: 413)
    public static let serviceUnavailable = HTTPStatus(code: 503)
}
public struct HTTPHeaders: Sequence, Sendable, ExpressibleByDictionaryLiteral {
    var fields: [(name: String, value: String)] = []
    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) { fields = elements.map { ($0.0, $0.1) } }
    public subscript(name: String) -> String? { fields.first { $0.name.lowercased() == name.lowercased() }?.value }
    public func values(for name: String) -> [String] { fields.filter { $0.name.lowercased() == name.lowercased() }.map(\.value) }
    public func contains(_ name: String) -> Bool { self[name] != nil }
    public mutating func add(name: String, value: String) { fields.append((name, value)) }
    public mutating func replaceOrAdd(name: String, value: String) { remove(name: name); add(name: name, value: value) }
    public mutating func remove(name: String) { fields.removeAll { $0.name.lowercased() == name.lowercased() } }
    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}
public protocol RequestUserInfoKey { associatedtype Value: Sendable }
public struct RequestUserInfo: Sendable {
    var storage: [ObjectIdentifier: any Sendable] = [:]
    public subscript<Key: RequestUserInfoKey>(_ key: Key.Type) -> Key.Value? {
        get { storage[ObjectIdentifier(key)] as? Key.Value }
        set { storage[ObjectIdentifier(key)] = newValue }
    }
}
public struct HTTPRequestBody: Sendable {
    var bytes: [UInt8]
    public static var empty: HTTPRequestBody { HTTPRequestBody(bytes: []) }
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public func collect(upTo maxBytes: Int = .max) async throws -> [UInt8] {
        if bytes.count > maxBytes { throw HTTPError(.payloadTooLarge) }
        return bytes
    }
}
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    public var target: String
    public var path: String
    public var query: String?
    public var headers: HTTPHeaders
    public var body: HTTPRequestBody
    public var userInfo = RequestUserInfo()
    public init(method: HTTPMethod, target: String, headers: HTTPHeaders = [:], body: HTTPRequestBody = .empty) {
        self.method = method; self.target = target; self.path = target; self.headers = headers; self.body = body
    }
}
public struct HTTPResponseBody: Sendable {
    public var bytes: [UInt8]
    public static var empty: HTTPResponseBody { HTTPResponseBody(bytes: []) }
    public static func bytes(_ b: [UInt8]) -> HTTPResponseBody { HTTPResponseBody(bytes: b) }
    public static func string(_ s: String) -> HTTPResponseBody { HTTPResponseBody(bytes: Array(s.utf8)) }
}
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: HTTPResponseBody
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: HTTPResponseBody = .empty) {
        self.status = status; self.headers = headers; self.body = body
    }
    public static func json(_ bytes: [UInt8], status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: .bytes(bytes))
    }
}
public protocol HTTPResponder: Sendable { func respond(to request: HTTPRequest) async throws -> HTTPResponse }
public struct ClosureResponder: HTTPResponder {
    let body: @Sendable (HTTPRequest) async throws -> HTTPResponse
    public init(_ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) { self.body = body }
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse { try await body(request) }
}
public protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse
}
extension HTTPResponder {
    public func wrapped(in middleware: any HTTPMiddleware) -> any HTTPResponder {
        ClosureResponder { try await middleware.handle($0, next: self) }
    }
}
public struct HTTPError: Error, Sendable {
    public var status: HTTPStatus
    public init(_ status: HTTPStatus, message: String? = nil, headers: HTTPHeaders = [:]) { self.status = status }
}
public struct Router: HTTPResponder {
    public init() {}
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse(status: .notFound) }
}

// SDK
public struct WebhooksAPI: Sendable {
    public init(secrets: [String], maxAgeSeconds: Int) {}
    public func verifySignature(headers: HTTPHeaders, body: [UInt8]) throws {
        if headers["Vendo-Signature"] != "good" { throw VendoError.validation(message: "signature mismatch") }
    }
}
public struct VendoIdentity: Sendable, Equatable {
    public var userID: String, email: String, name: String, tenantID: String, role: String
}
public enum SSO {
    public static func isEnabled(env: [String: String] = ProcessInfo.processInfo.environment) -> Bool { env["VENDO_AUTH"] == "1" }
    public static func identity(fromHeaders headers: [String: String]) -> VendoIdentity? { nil }
    public static func identityResponse(headers: [String: String]) -> [String: String] { [:] }
    public static let identityEndpointPath = "/api/vendo/identity"
}
public actor Vendo {
    public nonisolated func forRequest(headers: [String: String]) throws -> Vendo { self }
}
