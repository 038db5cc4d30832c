import Testing
import VendoHTTPServer

@Suite("HTTPStatus, HTTPMethod, HTTPVersion")
struct HTTPStatusTests {
    @Test func namedStatusesCarryTheirCodesAndPhrases() {
        let expected: [(HTTPStatus, Int, String)] = [
            (.continue, 100, "Continue"), (.ok, 200, "OK"), (.created, 201, "Created"), (.accepted, 202, "Accepted"),
            (.noContent, 204, "No Content"), (.badRequest, 400, "Bad Request"), (.unauthorized, 401, "Unauthorized"),
            (.forbidden, 403, "Forbidden"), (.notFound, 404, "Not Found"),
            (.methodNotAllowed, 405, "Method Not Allowed"), (.requestTimeout, 408, "Request Timeout"),
            (.conflict, 409, "Conflict"), (.lengthRequired, 411, "Length Required"),
            (.payloadTooLarge, 413, "Content Too Large"), (.uriTooLong, 414, "URI Too Long"),
            (.expectationFailed, 417, "Expectation Failed"), (.unprocessableContent, 422, "Unprocessable Content"),
            (.tooManyRequests, 429, "Too Many Requests"),
            (.requestHeaderFieldsTooLarge, 431, "Request Header Fields Too Large"),
            (.internalServerError, 500, "Internal Server Error"), (.notImplemented, 501, "Not Implemented"),
            (.badGateway, 502, "Bad Gateway"), (.serviceUnavailable, 503, "Service Unavailable"),
            (.gatewayTimeout, 504, "Gateway Timeout"), (.httpVersionNotSupported, 505, "HTTP Version Not Supported"),
        ]
        for (status, code, phrase) in expected {
            #expect(status.code == code)
            #expect(status.reasonPhrase == phrase)
            #expect(status.description == "\(code) \(phrase)")
        }
    }

    @Test func customStatuses() {
        #expect(HTTPStatus(code: 418).reasonPhrase == "")
        #expect(HTTPStatus(code: 418).description == "418")
        #expect(HTTPStatus(code: 404).reasonPhrase == "Not Found")
        let custom = HTTPStatus(code: 200, reasonPhrase: "Fine")
        #expect(custom.reasonPhrase == "Fine")
        // Equality and hashing follow the code only.
        #expect(custom == .ok)
        #expect(Set([custom, .ok]).count == 1)
        #expect(HTTPStatus(code: 201) != .ok)
    }

    @Test func methods() {
        let literal: HTTPMethod = "PURGE"
        #expect(literal.rawValue == "PURGE")
        #expect(literal.description == "PURGE")
        #expect(!literal.isStandard)
        #expect(HTTPMethod(rawValue: "GET") == .get)
        let all: [HTTPMethod] = [.get, .head, .post, .put, .delete, .options, .patch, .connect, .trace]
        #expect(all.map(\.rawValue) == ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"])
        #expect(all.allSatisfy { $0.isStandard })
        #expect(!HTTPMethod(rawValue: "get").isStandard)
    }

    @Test func versions() {
        #expect(HTTPVersion.http1_1.description == "HTTP/1.1")
        #expect(HTTPVersion.http1_0.description == "HTTP/1.0")
    }

    @Test func parseErrorDescription() {
        let error = HTTPParseError(status: .badRequest, reason: "Content-Length must not be empty")
        #expect(error.description == "400 Bad Request: Content-Length must not be empty")
    }
}
