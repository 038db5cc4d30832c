import Foundation
import Testing

@testable import Vendo

/// A fresh folder under the system temporary directory, removed by `cleanUp()`.
struct TemporaryFolder {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vendo-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.path
    }

    func file(_ name: String) -> String { path + "/" + name }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }

    func contents(_ name: String) throws -> String {
        try String(contentsOfFile: file(name), encoding: .utf8)
    }

    func permissions(_ name: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: file(name))
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }
}

/// Values that break naive `.env` writers.
let awkwardValues: [String: String] = [
    "PLAIN": "sk-abc123_XYZ.def/ghi:jkl@mno+pqr,stu%vwx=yz^~",
    "EMPTY": "",
    "SPACES": "two words  and more",
    "LEADING_TRAILING": "  padded  ",
    "HASH": "value # not a comment",
    "HASH_TIGHT": "a#b",
    "STARTS_WITH_HASH": "#hash",
    "DOUBLE_QUOTES": "say \"hi\"",
    "SINGLE_QUOTES": "it's 'quoted'",
    "STARTS_WITH_QUOTE": "\"leading",
    "BACKSLASHES": "C:\\path\\to\\file",
    "BACKSLASH_QUOTE": "a\\\"b",
    "TRAILING_BACKSLASH": "ends with\\",
    "DOUBLE_TRAILING_BACKSLASH": "x\\\\",
    "DOLLAR": "pa$$word $HOME cost$5",
    "NEWLINES": "line one\nline two\n",
    "CRLF": "a\r\nb\rc",
    "TABS": "col1\tcol2",
    "CONTROL": "bell\u{07}back\u{08}feed\u{0C}vtab\u{0B}esc\u{1B}",
    "UNICODE": "héllo wörld 漢字 🚀",
    "JSON": "{\"key\": [1, 2, \"three\"]}",
    "PEM": "-----BEGIN KEY-----\nMIIB\\nabc==\n-----END KEY-----",
    "EQUALS": "a=b=c",
    "EXPORT_LIKE": "export FOO=bar",
]

@Suite("DotEnvFile")
struct DotEnvFileTests {
    @Test func rendersSortedLinesWithBareSafeValues() throws {
        let text = try DotEnvFile.render(["ZED": "1", "ALPHA": "sk-abc", "MID_2": "a/b:c"])
        #expect(text == "ALPHA=sk-abc\nMID_2=a/b:c\nZED=1\n")
        #expect(try DotEnvFile.render([:]) == "")
    }

    @Test func quotesAndEscapesWhatIsNotBareSafe() {
        #expect(DotEnvFile.encode("") == "\"\"")
        #expect(DotEnvFile.encode("a b") == "\"a b\"")
        #expect(DotEnvFile.encode("say \"hi\"") == "\"say \\\"hi\\\"\"")
        #expect(DotEnvFile.encode("a\\b") == "\"a\\\\b\"")
        #expect(DotEnvFile.encode("l1\nl2") == "\"l1\\nl2\"")
        #expect(DotEnvFile.encode("$x") == "\"$x\"")
        #expect(DotEnvFile.encode("#x") == "\"#x\"")
        // A trailing backslash is written bare when that reads back, since python-dotenv
        // cannot read it quoted.
        #expect(DotEnvFile.encode("dir\\") == "dir\\")
        #expect(DotEnvFile.encode("two words\\") == "two words\\")
        #expect(DotEnvFile.encode(" lead\\") == "\" lead\\\\\"")
    }

    @Test func awkwardValuesRoundTripThroughOwnReader() throws {
        let text = try DotEnvFile.render(awkwardValues)
        #expect(try DotEnvFile.parse(text) == awkwardValues)
        // One line per variable, except where a value's own line breaks are escaped: none are literal.
        #expect(text.split(separator: "\n").count == awkwardValues.count)
    }

    @Test func everySingleCharacterRoundTrips() throws {
        var values: [String: String] = [:]
        for scalar in (1...0x7F).compactMap(Unicode.Scalar.init) + ["é", "\u{2028}", "\u{FEFF}"] {
            values["C_\(scalar.value)"] = String(scalar)
            values["M_\(scalar.value)"] = "a\(scalar)b"
            values["E_\(scalar.value)"] = "z\(scalar)"
        }
        #expect(try DotEnvFile.parse(DotEnvFile.render(values)) == values)
    }

    @Test func badNamesAndNulValuesAreRefusedWithoutShowingValues() {
        for name in ["", "1ABC", "WITH SPACE", "DASH-ED", "DOT.TED", "ÜBER", "A=B"] {
            #expect(throws: ReconcilerError.self, "\(name)") { try DotEnvFile.render([name: "x"]) }
        }
        do {
            _ = try DotEnvFile.render(["GOOD": "secret\u{0}value"])
            Issue.record("a NUL value was accepted")
        } catch let error as ReconcilerError {
            #expect(error.kind == .invalidValues)
            #expect(error.message.contains("GOOD"))
            #expect(!error.message.contains("secret"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(DotEnvFile.isValidName("_OK_9"))
        #expect(DotEnvFile.isValidName("lower_case"))
    }

    @Test func readsTheCommonHandWrittenForms() throws {
        let text = """
            # a comment
            export EXPORTED=yes

            BARE = value with spaces   # trailing comment
            SINGLE_ESC='a\\'b\\\\c\\n'
            DOUBLE="a\\tb" # comment after quotes
            MULTI="line1
            line2"
            UNKNOWN_ESCAPE="\\q\\$"
            EMPTY=
            HASH_NO_SPACE=a#b
            REPEATED=first
            REPEATED=second
            """
        let values = try DotEnvFile.parse(text)
        #expect(values["EXPORTED"] == "yes")
        #expect(values["BARE"] == "value with spaces")
        #expect(values["SINGLE_ESC"] == "a'b\\c\\n")
        #expect(values["DOUBLE"] == "a\tb")
        #expect(values["MULTI"] == "line1\nline2")
        #expect(values["UNKNOWN_ESCAPE"] == "\\q\\$")
        #expect(values["EMPTY"] == "")
        #expect(values["HASH_NO_SPACE"] == "a#b")
        #expect(values["REPEATED"] == "second")
    }

    @Test func syntaxErrorsNameTheLine() {
        for (text, line) in [("A=1\nnot an assignment\n", 2), ("A=1\nB=\"open\nC=3\n", 2), ("A=\"x\" trailing\n", 1)] {
            do {
                _ = try DotEnvFile.parse(text)
                Issue.record("accepted \(text.debugDescription)")
            } catch let error as ReconcilerError {
                #expect(error.kind == .invalidDotEnv)
                #expect(error.message.contains("line \(line)"), "\(error.message)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func writeIsMode0600AndReadsBack() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file(".env")
        // A pre-existing world-readable file does not keep its mode.
        _ = FileManager.default.createFile(
            atPath: path, contents: Data("OLD=1\n".utf8), attributes: [.posixPermissions: 0o644])
        try DotEnvFile.write(awkwardValues, to: path)
        #expect(try folder.permissions(".env") == 0o600)
        #expect(try DotEnvFile.read(path: path) == awkwardValues)
        // No temporary file is left behind.
        #expect(try folder.entries() == [".env"])
    }

    @Test func writeEvenUnderARestrictiveUmaskGivesExactly0600() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let previous = umask(0o277)
        defer { umask(previous) }
        try DotEnvFile.write(["A": "1"], to: folder.file(".env"))
        #expect(try folder.permissions(".env") == 0o600)
    }

    @Test func writingIntoAMissingFolderSaysWhatIsWrong() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        do {
            try DotEnvFile.write(["A": "1"], to: folder.file("missing/.env"))
            Issue.record("wrote into a missing folder")
        } catch let error as ReconcilerError {
            #expect(error.kind == .io)
            #expect(error.errno == ENOENT)
            #expect(error.message.contains("missing"))
            #expect(error.message.contains("folder exists"))
        }
    }

    @Test func readingAMissingFileIsAnIOError() throws {
        #expect(throws: ReconcilerError.self) { try DotEnvFile.read(path: "/nonexistent-\(UUID())/.env") }
    }

    @Test func aReaderNeverSeesAPartialFileWhileWritesRace() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file(".env")
        // Two large, different contents: a torn read would match neither.
        let first = Dictionary(uniqueKeysWithValues: (0..<1500).map { ("KEY_\($0)", "first value \($0) with spaces") })
        let second = Dictionary(uniqueKeysWithValues: (0..<1000).map { ("KEY_\($0)", "second-\($0)") })
        let expected: Set<String> = [try DotEnvFile.render(first), try DotEnvFile.render(second)]
        try DotEnvFile.write(first, to: path)

        // Real threads: blocking file I/O stays off the concurrency pool other tests share.
        let reads = Locked((count: 0, torn: 0))
        await runOnThreads([
            { for index in 0..<40 { try? DotEnvFile.write(index.isMultiple(of: 2) ? second : first, to: path) } }
        ] + Array(repeating: {
            for _ in 0..<300 {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                reads.withLock {
                    $0.count += 1
                    if !expected.contains(text) { $0.torn += 1 }
                }
            }
        }, count: 2))
        let result = reads.withLock { $0 }
        #expect(result.count > 0)
        #expect(result.torn == 0)
        #expect(try folder.entries() == [".env"])
    }
}

/// Runs each body on its own thread and returns when all have finished.
func runOnThreads(_ bodies: [@Sendable () -> Void]) async {
    await withTaskGroup(of: Void.self) { group in
        for body in bodies {
            group.addTask {
                await withCheckedContinuation { continuation in
                    let thread = Thread {
                        body()
                        continuation.resume()
                    }
                    thread.start()
                }
            }
        }
    }
}

@Suite("DotEnvFile and python-dotenv")
struct DotEnvPythonTests {
    /// Reads `path` with python-dotenv in a child process and returns what it saw.
    static func readWithPythonDotenv(_ path: String, interpolate: Bool) async throws -> [String: String]? {
        let script = """
            import json, sys
            from dotenv import dotenv_values
            values = dotenv_values(sys.argv[1], interpolate=(sys.argv[2] == "1"))
            sys.stdout.write(json.dumps(values))
            """
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = "/home-for-interpolation"
        guard let result = await runChildProcess(
            ["python3", "-c", script, path, interpolate ? "1" : "0"], environment: environment)
        else {
            Issue.record("python3 could not be started")
            return [:]
        }
        let errorText = String(decoding: result.standardError, as: UTF8.self)
        guard result.status == 0 else {
            if errorText.contains("No module named") { return nil }
            Issue.record("python-dotenv failed: \(errorText)")
            return [:]
        }
        #expect(!errorText.contains("could not parse"), "python-dotenv warned: \(errorText)")
        return try JSONDecoder().decode([String: String].self, from: result.standardOutput)
    }

    /// Whether python3 with python-dotenv runs here; checked once per test process.
    static let pythonDotenvAvailable = Task {
        await runChildProcess(["python3", "-c", "import dotenv"])?.status == 0
    }

    @Test(.enabled("needs python3 with python-dotenv (pip install python-dotenv)") { await pythonDotenvAvailable.value })
    func awkwardValuesRoundTripThroughPythonDotenv() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file(".env")
        try DotEnvFile.write(awkwardValues, to: path)
        let read = try #require(try await Self.readWithPythonDotenv(path, interpolate: true))
        #expect(read == awkwardValues)
    }

    @Test(.enabled("needs python3 with python-dotenv (pip install python-dotenv)") { await pythonDotenvAvailable.value })
    func braceExpansionIsPythonDotenvsOwnAndOffWithInterpolateFalse() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        let path = folder.file(".env")
        let values = ["TEMPLATE": "${HOME}/x", "OTHER": "a b"]
        try DotEnvFile.write(values, to: path)
        #expect(try await Self.readWithPythonDotenv(path, interpolate: false) == values)
        #expect(try await Self.readWithPythonDotenv(path, interpolate: true)?["TEMPLATE"] == "/home-for-interpolation/x")
        #expect(try DotEnvFile.read(path: path) == values)
    }

    @Test(.enabled("needs python3 with python-dotenv (pip install python-dotenv)") { await pythonDotenvAvailable.value })
    func everyPrintableAsciiCharacterRoundTripsThroughPythonDotenv() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanUp() }
        var values: [String: String] = [:]
        for scalar in (0x09...0x7E).compactMap(Unicode.Scalar.init) {
            values["C_\(scalar.value)"] = "a\(scalar)b"
            values["S_\(scalar.value)"] = String(scalar) + "x"
        }
        let path = folder.file(".env")
        try DotEnvFile.write(values, to: path)
        #expect(try await Self.readWithPythonDotenv(path, interpolate: false) == values)
    }
}
