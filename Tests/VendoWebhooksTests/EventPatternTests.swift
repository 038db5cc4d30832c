import Testing

@testable import VendoWebhooks

@Suite struct EventPatternTests {
    @Test func starMatchesEverything() throws {
        let pattern = try EventPattern(parsing: "*")
        for type in ["connection.connected", "provider.telegram", "x", ""] {
            #expect(pattern.matches(type), "\(type)")
        }
        #expect(pattern == .any)
        #expect(pattern.description == "*")
    }

    @Test func prefixMatchesEveryDepthButNotThePrefixItself() throws {
        let pattern = try EventPattern(parsing: "connection.*")
        #expect(pattern.matches("connection.connected"))
        #expect(pattern.matches("connection.status_changed"))
        #expect(pattern.matches("connection.a.b"))
        #expect(!pattern.matches("connection"))
        #expect(!pattern.matches("connection."))
        #expect(!pattern.matches("connections.connected"))
        #expect(!pattern.matches("billing.connection.x"))
        #expect(!pattern.matches("Connection.connected"))
        #expect(pattern.description == "connection.*")
    }

    @Test func nestedPrefix() throws {
        let pattern = try EventPattern(parsing: "billing.cap.*")
        #expect(pattern.matches("billing.cap.warned"))
        #expect(!pattern.matches("billing.capital"))
        #expect(!pattern.matches("billing.cap"))
    }

    @Test func prefixIsComparedByteForByteAndCaseSensitively() throws {
        let pattern = try EventPattern(parsing: "café.*")
        #expect(pattern.matches("café.ouvert"))
        #expect(pattern.matches("café.ouvert.tard"))
        #expect(!pattern.matches("cafe.ouvert"))
        #expect(!pattern.matches("CAFÉ.ouvert"))
        #expect(!pattern.matches("café"))
        #expect(!pattern.matches("caf"))
        // Bytes, not characters: another normalisation of the same text is another type.
        #expect(!pattern.matches("cafe\u{301}.ouvert"))
        #expect((try EventPattern(parsing: "x.*")).matches("x.\u{301}y"), "a combining mark after the dot: the bytes still start with x.")
        #expect(!(try EventPattern(parsing: "café.ouvert")).matches("cafe\u{301}.ouvert"))
        #expect((try EventPattern(parsing: "café.ouvert")).matches("café.ouvert"))
        // Equal as they match: by bytes.
        #expect(try EventPattern(parsing: "café.*") != EventPattern(parsing: "cafe\u{301}.*"))
        #expect(try EventPattern(parsing: "café.*") == EventPattern(parsing: "café.*"))
        #expect(try Set([EventPattern(parsing: "café.*"), EventPattern(parsing: "cafe\u{301}.*"), EventPattern(parsing: "café.*")]).count == 2)
    }

    @Test func exactMatchesOnlyItself() {
        let pattern: EventPattern = "connection.connected"
        #expect(pattern.matches("connection.connected"))
        #expect(!pattern.matches("connection.connected.extra"))
        #expect(!pattern.matches("connection.connecte"))
        #expect(!pattern.matches("CONNECTION.CONNECTED"))
    }

    @Test(arguments: ["", "conn*", "*.connected", "a.*.b", "**", ".*", "*.*", "a b", "tab\there", "nl\n", "a.*.*"])
    func invalidPatternsAreRejectedWithAReason(_ text: String) {
        #expect(throws: EventPatternError.self) { try EventPattern(parsing: text) }
        do {
            _ = try EventPattern(parsing: text)
        } catch {
            #expect(error.pattern == text)
            #expect(!error.reason.isEmpty)
            #expect(error.description.contains("invalid event pattern"))
        }
    }

    @Test func emptyPatternSuggestsStar() {
        do {
            _ = try EventPattern(parsing: "")
            Issue.record("accepted an empty pattern")
        } catch {
            #expect(error.reason.contains("\"*\""))
        }
    }
}
