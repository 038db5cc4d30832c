import Foundation

/// The loaded catalogue and where it came from.
struct BYOKCatalog: Sendable {
    /// Where the entries were read from.
    enum Source: Sendable, Equatable {
        /// The package's `byok.json` resource, at this file URL.
        case resource(URL)
        /// The copy compiled into the library (the resource was missing or unreadable).
        case compiledIn
    }

    let entries: [String: BYOK.Entry]
    let source: Source

    /// Loaded once, on first use; `static let` initialisation is thread-safe.
    static let shared: BYOKCatalog = load()

    /// The resource bundle's name as SwiftPM lays it out: `<package>_<target>`.
    static let resourceBundleName = "vendo-swift_Vendo"

    /// Reads the bundled resource, else falls back to ``compiledIn``.
    static func load(searching directories: [URL] = searchDirectories()) -> BYOKCatalog {
        if let url = resourceURL(searching: directories), let entries = try? decode(contentsOf: url) {
            return BYOKCatalog(entries: entries, source: .resource(url))
        }
        return BYOKCatalog(entries: compiledIn, source: .compiledIn)
    }

    /// Finds `byok.json` without touching `Bundle.module`: SwiftPM's generated
    /// accessor calls `fatalError` when the bundle is missing (an executable
    /// copied into an image without its `.resources` folder), and a missing
    /// catalogue must degrade to the compiled-in copy, never crash. The places
    /// probed are the ones the accessor itself looks in first.
    static func resourceURL(searching directories: [URL] = searchDirectories()) -> URL? {
        for directory in directories {
            // `.resources` on Linux and Windows, `.bundle` on Apple platforms.
            for suffix in [".resources", ".bundle"] {
                let bundleURL = directory.appendingPathComponent(resourceBundleName + suffix)
                guard FileManager.default.fileExists(atPath: bundleURL.path),
                    let bundle = Bundle(url: bundleURL),
                    let url = bundle.url(forResource: "byok", withExtension: "json")
                else { continue }
                return url
            }
        }
        return nil
    }

    /// The main bundle's directories, where SwiftPM puts resource bundles next to the binary.
    static func searchDirectories() -> [URL] {
        var directories: [URL] = [Bundle.main.bundleURL]
        if let resources = Bundle.main.resourceURL { directories.append(resources) }
        if let executable = Bundle.main.executableURL {
            directories.append(executable.deletingLastPathComponent())
        }
        return directories
    }

    /// The on-disk shape: `{"version": 1, "integrations": {slug: {"env_vars": [...], "oauth": bool}}}`.
    private struct FileFormat: Decodable {
        struct Integration: Decodable {
            let envVars: [String]
            let oauth: Bool?
            enum CodingKeys: String, CodingKey {
                case envVars = "env_vars"
                case oauth
            }
        }
        let version: Int
        let integrations: [String: Integration]
    }

    /// Decodes a catalogue file; throws when it is not the expected shape.
    static func decode(contentsOf url: URL) throws -> [String: BYOK.Entry] {
        try decode(Data(contentsOf: url))
    }

    /// Decodes catalogue JSON; throws when it is not the expected shape.
    static func decode(_ data: Data) throws -> [String: BYOK.Entry] {
        let file = try JSONDecoder().decode(FileFormat.self, from: data)
        guard file.version == 1 else {
            throw VendoError.validation(message: "byok.json has version \(file.version); this SDK reads version 1")
        }
        return file.integrations.mapValues { BYOK.Entry(envVars: $0.envVars, oauth: $0.oauth ?? false) }
    }
}
