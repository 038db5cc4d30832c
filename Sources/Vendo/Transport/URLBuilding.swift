import Foundation

/// Percent-encoding for the two places the SDK puts caller text into URLs.
enum URLEncoding {
    /// RFC 3986 unreserved characters: the only ones left as they are.
    static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return set
    }()

    /// One path segment: everything but unreserved characters is escaped (`/` included).
    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A query value, form-encoded: space ⇒ `+`, everything but unreserved characters escaped.
    static func formValue(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: unreserved) ?? String($0) }
            .joined(separator: "+")
    }

    /// `base` + `/` + the encoded segments, then `?query` (already encoded pairs).
    static func url(_ base: URL, segments: [String], query: [(String, String)] = []) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        for segment in segments { text += "/" + segment }
        if !query.isEmpty {
            text += "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        }
        // Every piece was escaped above, so this only fails for a base that was already invalid.
        return URL(string: text) ?? base
    }
}
