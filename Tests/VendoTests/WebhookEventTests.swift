import Foundation
import Testing

@testable import Vendo

@Suite("WebhookEvent")
struct WebhookEventTests {
    typealias F = WebhookFixture

    @Test("Codable: snake_case on the wire, defaults for missing members, extra members kept in payload")
    func codable() throws {
        let json = #"{"id":"e1","type":"t","occurred_at":"2024-05-20T21:20:00Z","data":{"k":[1,2.5]},"extra":true}"#
        let event = try JSONDecoder().decode(WebhookEvent.self, from: Data(json.utf8))
        #expect(event.id == "e1" && event.type == "t" && event.occurredAt == "2024-05-20T21:20:00Z")
        #expect(event.data == ["k": [1, 2.5]])
        #expect(event.payload["extra"] == true)
        let encoded = try JSONEncoder().encode(event)
        let object = try JSONValue.parse(utf8: encoded)
        #expect(object["occurred_at"] == "2024-05-20T21:20:00Z")
        #expect(object["extra"] == true)
        #expect(try JSONDecoder().decode(WebhookEvent.self, from: encoded) == event)
        let empty = try JSONDecoder().decode(WebhookEvent.self, from: Data("{}".utf8))
        #expect(empty == WebhookEvent(payload: [:]))
        #expect(empty.data == [:] && empty.id == "")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(WebhookEvent.self, from: Data("[1]".utf8)) }
    }

    @Test("the memberwise initialiser builds a matching payload")
    func memberwise() {
        let event = WebhookEvent(id: "a", type: "b", occurredAt: "c", data: ["x": 1])
        #expect(event.payload == ["id": "a", "type": "b", "occurred_at": "c", "data": ["x": 1]])
        #expect(WebhookEvent().data == [:])
        #expect(WebhookEvent(body: ["id": "a", "data": [1]]).data == [1])
    }

    @Test("a verified event equals one built from the parsed body; data and payload are stable across reads")
    func lazyEqualsEager() throws {
        let verified = try F.api().verify(headers: F.headers(), body: F.body)
        let eager = WebhookEvent(body: try JSONValue.parse(utf8: Array(F.body.utf8)).objectValue!)
        #expect(verified == eager)
        #expect(verified.data == verified.data)
        #expect(verified.payload["data"] == verified.data)
        let noData = #"{"id":"x"}"#
        let event = try F.api().verify(headers: F.headers(body: noData), body: noData)
        #expect(event.payload == ["id": "x"])
        #expect(event.data == [:])
        #expect(event != verified)
    }

    @Test("reading data from many tasks at once gives one consistent value")
    func concurrentReads() async throws {
        let event = try F.api().verify(headers: F.headers(), body: F.body)
        let values = await withTaskGroup(of: JSONValue.self) { group in
            for index in 0..<16 { group.addTask { index % 2 == 0 ? event.data : event.payload["data"]! } }
            return await group.reduce(into: [JSONValue]()) { $0.append($1) }
        }
        #expect(Set(values).count == 1)
        #expect(values.first?["slug"] == "notion")
    }
}
