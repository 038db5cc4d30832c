import Foundation
import Testing

@testable import Vendo
@testable import VendoCore

@Suite("WebhookTimestamp")
struct WebhookTimestampTests {
    @Test("unix seconds", arguments: [("0", 0.0), ("1716240000", 1_716_240_000), ("  1716240000\t", 1_716_240_000), ("001", 1)])
    func unixSeconds(text: String, seconds: Double) throws {
        let stamp = try WebhookTimestamp(parsing: text)
        #expect(stamp.secondsSince1970 == seconds)
        #expect(stamp.format == .unixSeconds)
        #expect(stamp.text == text.trimmingCharacters(in: .whitespaces))
        #expect(stamp.description == stamp.text)
    }

    @Test("RFC 3339 instants, checked against Foundation's ISO 8601 formatter", arguments: [
        "1970-01-01T00:00:00Z", "2024-02-29T12:34:56Z", "2000-02-29T00:00:00+14:00", "1999-12-31T23:59:59-12:00",
        "2026-05-20T12:00:00.250Z", "2038-01-19T03:14:08Z", "9999-12-31T23:59:59Z", "1900-03-01T00:00:00Z",
        "2026-11-29T05:36:00.123456789+05:30",
    ])
    func rfc3339(text: String) throws {
        let stamp = try WebhookTimestamp(parsing: text)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        // Foundation keeps milliseconds only; compare within a millisecond.
        let reference = try #require(formatter.date(from: text.replacingOccurrences(of: #"(\.\d{3})\d+"#, with: "$1", options: .regularExpression)))
        #expect(abs(stamp.secondsSince1970 - reference.timeIntervalSince1970) < 0.001, "\(text)")
        #expect(stamp.format == .rfc3339)
    }

    @Test("a leap second is accepted and counts as the next second")
    func leapSecond() throws {
        let leap = try WebhookTimestamp(parsing: "2016-12-31T23:59:60Z")
        let next = try WebhookTimestamp(parsing: "2017-01-01T00:00:00Z")
        #expect(leap.secondsSince1970 == next.secondsSince1970)
    }

    @Test("calendar rules: leap years and month lengths", arguments: [
        ("2024-02-29T00:00:00Z", true), ("2023-02-29T00:00:00Z", false), ("2000-02-29T00:00:00Z", true),
        ("1900-02-29T00:00:00Z", false), ("2024-04-31T00:00:00Z", false), ("2024-04-30T00:00:00Z", true),
        ("2024-00-10T00:00:00Z", false), ("2024-05-00T00:00:00Z", false), ("2024-05-20T23:60:00Z", false),
        ("2024-05-20T23:59:61Z", false), ("2024-05-20T12:00:00+24:00", false), ("2024-05-20T12:00:00+23:60", false),
    ])
    func calendar(text: String, valid: Bool) {
        #expect(((try? WebhookTimestamp(parsing: text)) != nil) == valid, "\(text)")
    }

    @Test("anything else is rejected with a message naming both forms", arguments: [
        "", "   ", "abc", "1716240000.0", "1_716_240_000", "-5", "+5", "١٧١٦", "2024-05-20", "2024-05-20T12:00:00",
        "2024-5-20T12:00:00Z", "2024-05-20T12:00:00.Z", "2024-05-20T12:00:00ZZ", "2024-05-20X12:00:00Z",
        "2024-05-20T12:00:00+0200", "1234567890123456",
    ])
    func invalid(text: String) {
        do {
            _ = try WebhookTimestamp(parsing: text)
            Issue.record("accepted \(text)")
        } catch let VendoError.validation(message) {
            #expect(message.contains("unix seconds") && message.contains("RFC 3339"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("formatting a date: unix seconds (rounded down) and RFC 3339 UTC round-trip")
    func formatting() throws {
        let date = Date(timeIntervalSince1970: 1_716_240_000.9)
        #expect(WebhookTimestamp(date: date).text == "1716240000")
        let rfc = WebhookTimestamp(date: date, format: .rfc3339)
        #expect(rfc.text == "2024-05-20T21:20:00Z")
        #expect(try WebhookTimestamp(parsing: rfc.text).secondsSince1970 == 1_716_240_000)
        #expect(WebhookTimestamp(date: Date(timeIntervalSince1970: 0), format: .rfc3339).text == "1970-01-01T00:00:00Z")
        #expect(WebhookTimestamp(date: Date(timeIntervalSince1970: 951_782_400), format: .rfc3339).text == "2000-02-29T00:00:00Z")
        #expect(WebhookTimestamp(date: Date(timeIntervalSince1970: -1), format: .rfc3339).text == "1969-12-31T23:59:59Z")
        #expect(rfc.date == Date(timeIntervalSince1970: 1_716_240_000))
    }

    @Test("every day from 1900 to 2100 survives format → parse")
    func civilRoundTrip() throws {
        var day = WebhookTimestamp.daysFromCivil(year: 1900, month: 1, day: 1)
        let end = WebhookTimestamp.daysFromCivil(year: 2100, month: 12, day: 31)
        while day <= end {
            let (year, month, dayOfMonth) = WebhookTimestamp.civilFromDays(day)
            #expect(WebhookTimestamp.daysFromCivil(year: year, month: month, day: dayOfMonth) == day)
            day += 1
        }
        #expect(WebhookTimestamp.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(WebhookTimestamp.daysFromCivil(year: 2024, month: 5, day: 20) == 19_863)
    }
}
