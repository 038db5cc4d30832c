import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the running endpoint maps into memory.
///
/// FoundationNetworking (with libcurl and some thirty libraries) and full
/// Foundation (with ICU) would double the endpoint's memory (issue 4). The
/// library links FoundationEssentials only; this holds it there: an
/// `import Foundation` anywhere in VendoCore, VendoHTTPServer, VendoWebhooks
/// or the CLI makes it fail.
@Suite struct EndToEndLinkageTests {
    /// Mapped-file name fragments the endpoint must not load.
    static let forbidden = [
        "libFoundationNetworking", "libcurl", "libFoundation.so", "_FoundationICU", "libFoundationInternationalization",
    ]

    private static func mappedFiles(pid: Int32) throws -> Set<String> {
        // Read to the end by hand: /proc files report size 0, and a size-driven read stops short.
        let fd = open("/proc/\(pid)/maps", O_RDONLY)
        guard fd >= 0 else { throw CLITestError("cannot open /proc/\(pid)/maps: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes += chunk[0..<n] } else if n == 0 || errno != EINTR { break }
        }
        let maps = String(decoding: bytes, as: UTF8.self)
        var files = Set<String>()
        for line in maps.split(separator: "\n") {
            // address perms offset dev inode path
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            let path = fields.count == 6 ? fields[5].drop { $0 == " " } : ""
            if path.hasPrefix("/") { files.insert(String(path)) }
        }
        return files
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps"), "reads /proc (Linux)"))
    func theServingEndpointMapsNeitherFoundationNorNetworking() async throws {
        let server = try await RunningServer([], environment: ["VENDO_WEBHOOK_SECRET": "whsec_linkage"])
        // A delivery first, so code paths that load libraries lazily have run.
        let body = TestSigner.envelope(id: "evt_maps", type: "connection.connected")
        let response = try await server.post(body, headers: try TestSigner(secret: "whsec_linkage").headers(for: body))
        #expect(response.status == 200)

        let files = try Self.mappedFiles(pid: server.child.pid)
        let offending = files.filter { file in Self.forbidden.contains { file.contains($0) } }
        #expect(offending.isEmpty, "the endpoint maps \(offending.sorted()); only FoundationEssentials may be linked")
        // The check reads real mappings: the endpoint's own libraries are there.
        #expect(files.contains { $0.hasSuffix("/vendo-webhooks") }, "\(files.sorted())")
        #expect(try await server.stop() == 0)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps"), "reads /proc (Linux)"))
    func theForbiddenNamesMatchRealLibraries() throws {
        // The test runner links the SDK (URLSession), so it maps what the endpoint must not:
        // this keeps the names above from going stale against the toolchain's file names.
        let files = try Self.mappedFiles(pid: getpid())
        #expect(files.contains { $0.contains("libFoundationNetworking") }, "\(files.sorted())")
        #expect(files.contains { $0.contains("libFoundation.so") }, "\(files.sorted())")
    }
}
