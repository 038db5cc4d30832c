import Foundation
import Testing

@testable import Vendo

@Suite("BYOK")
struct BYOKTests {
    static let catalogue: [(slug: String, vars: [String], oauth: Bool)] = [
        ("openai", ["OPENAI_API_KEY"], false), ("anthropic", ["ANTHROPIC_API_KEY"], false),
        ("openrouter", ["OPENROUTER_API_KEY"], false), ("telegram", ["TELEGRAM_BOT_TOKEN"], false),
        ("elevenlabs", ["ELEVENLABS_API_KEY"], false), ("assemblyai", ["ASSEMBLYAI_API_KEY"], false),
        ("muapi", ["MUAPI_API_KEY"], false), ("notion", ["NOTION_API_TOKEN"], true),
        ("gmail", ["GMAIL_ACCESS_TOKEN"], true), ("slack", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], true),
    ]

    @Test("every slug of the protocol's catalogue, with its variables and OAuth flag")
    func catalogue() {
        for entry in Self.catalogue {
            #expect(BYOK.primaryEnvVar(for: entry.slug) == entry.vars.first, "\(entry.slug)")
            #expect(BYOK.allEnvVars(for: entry.slug) == entry.vars, "\(entry.slug)")
            #expect(BYOK.isOAuthSlug(entry.slug) == entry.oauth, "\(entry.slug)")
            #expect(BYOK.entry(for: entry.slug) == BYOK.Entry(envVars: entry.vars, oauth: entry.oauth))
        }
        #expect(BYOK.knownSlugs() == Set(Self.catalogue.map(\.slug)))
    }

    @Test("unknown slugs: nil, [], false; matching is exact", arguments: ["", "OpenAI", "open-ai", "stripe", " openai"])
    func unknown(slug: String) {
        #expect(BYOK.primaryEnvVar(for: slug) == nil)
        #expect(BYOK.allEnvVars(for: slug) == [])
        #expect(!BYOK.isOAuthSlug(slug))
        #expect(BYOK.entry(for: slug) == nil)
        #expect(!BYOK.knownSlugs().contains(slug))
    }

    @Test("token override names: upper-cased, dashes to underscores", arguments: [
        ("my-tool", "VENDO_TOKEN_MY_TOOL"), ("openai", "VENDO_TOKEN_OPENAI"), ("a-b-c", "VENDO_TOKEN_A_B_C"),
        ("x.y", "VENDO_TOKEN_X.Y"), ("", "VENDO_TOKEN_"), ("Already_UP", "VENDO_TOKEN_ALREADY_UP"),
        ("été-x", "VENDO_TOKEN_ÉTÉ_X"), ("straße", "VENDO_TOKEN_STRASSE"),
    ])
    func overrideName(slug: String, expected: String) {
        #expect(BYOK.envVarName(forTokenOverride: slug) == expected)
    }

    @Test func overrideNamesOfASCIISlugsFollowTheUnicodeRule() {
        // The byte fast path must agree with upper-casing by Unicode rules, for every ASCII character.
        let ascii = (0..<128).map { Character(Unicode.Scalar(UInt8($0))) }
        let slugs = [String(ascii)] + ascii.map { "a\($0)-Z" }
        for slug in slugs {
            let unicodeRule = BYOK.tokenOverridePrefix + String(slug.uppercased().map { $0 == "-" ? "_" : $0 })
            #expect(BYOK.envVarName(forTokenOverride: slug) == unicodeRule, "\(slug.debugDescription)")
        }
    }

    @Test("the catalogue is read from the bundled byok.json, which equals the compiled-in copy")
    func resourceMatchesCompiledIn() throws {
        let url = try #require(BYOKCatalog.resourceURL(), "byok.json should be found next to the test binary")
        #expect(url.lastPathComponent == "byok.json")
        let fromResource = try BYOKCatalog.decode(contentsOf: url)
        #expect(fromResource == BYOKCatalog.compiledIn)
        #expect(BYOKCatalog.shared.source == .resource(url))
        #expect(BYOKCatalog.shared.entries == BYOKCatalog.compiledIn)
    }

    @Test("a malformed or unknown-version catalogue is refused (the loader then uses the compiled-in copy)")
    func decodeErrors() {
        #expect(throws: (any Error).self) { try BYOKCatalog.decode(Data("{".utf8)) }
        #expect(throws: (any Error).self) { try BYOKCatalog.decode(Data(#"{"version":2,"integrations":{}}"#.utf8)) }
        #expect(throws: (any Error).self) { try BYOKCatalog.decode(Data(#"{"version":1,"integrations":{"a":{"oauth":true}}}"#.utf8)) }
        let minimal = try? BYOKCatalog.decode(Data(#"{"version":1,"integrations":{"a":{"env_vars":["A"]}}}"#.utf8))
        #expect(minimal == ["a": BYOK.Entry(envVars: ["A"], oauth: false)])
    }

    @Test("with no resource bundle in the searched directories, the compiled-in copy is used")
    func fallbackWhenResourceMissing() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("byok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(BYOKCatalog.resourceURL(searching: [empty]) == nil)
        #expect(BYOKCatalog.load(searching: [empty]).source == .compiledIn)
        #expect(BYOKCatalog.load(searching: [empty]).entries == BYOKCatalog.compiledIn)
        // And a directory that holds a bundle with byok.json is used.
        let bundle = empty.appendingPathComponent(BYOKCatalog.resourceBundleName + ".resources")
        try FileManager.default.createDirectory(at: bundle, withIntermediateDirectories: true)
        try Data(#"{"version":1,"integrations":{"only":{"env_vars":["ONLY_KEY"],"oauth":true}}}"#.utf8)
            .write(to: bundle.appendingPathComponent("byok.json"))
        let loaded = BYOKCatalog.load(searching: [empty])
        #expect(loaded.entries == ["only": BYOK.Entry(envVars: ["ONLY_KEY"], oauth: true)])
        guard case .resource = loaded.source else {
            Issue.record("expected the resource to be used")
            return
        }
        // A broken file there falls back to the compiled-in copy instead of failing.
        try Data("not json".utf8).write(to: bundle.appendingPathComponent("byok.json"))
        #expect(BYOKCatalog.load(searching: [empty]).source == .compiledIn)
    }
}
