import Dispatch
import Foundation
import Testing

/// The `http-echo` example as a real child process, the way CI's conformance
/// run uses it.
@Suite struct HTTPEchoTests {
    /// The built `http-echo` next to this test bundle (`swift build --build-tests` builds it).
    static var binary: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("http-echo").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("http-echo")
    }

    /// Launches http-echo and returns it with the port from its first line;
    /// with `maxOpenFiles`, under that descriptor limit (`ulimit -n`).
    static func launch(host: String, maxOpenFiles: Int? = nil) async throws -> (Process, Int, String) {
        let binary = Self.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path),
                     "build http-echo first: swift build --build-tests")
        let process = Process()
        if let maxOpenFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(maxOpenFiles) && exec \"$0\" --host \"$1\" --port 0", binary.path, host]
        } else {
            process.executableURL = binary
            process.arguments = ["--host", host, "--port", "0"]
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line: String = await withCheckedContinuation { continuation in
            DispatchQueue(label: "http-echo-stdout").async {
                var bytes: [UInt8] = []
                while true {
                    let chunk = output.fileHandleForReading.readData(ofLength: 1)
                    if chunk.isEmpty || chunk.first == 10 { break }
                    bytes += chunk
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
        let port = Int(line.split(separator: ":").last ?? "") ?? 0
        return (process, port, line)
    }

    static func waitForExit(_ process: Process) async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "http-echo-wait").async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    @Test func servesTheDocumentedRoutesAndStopsOnSIGTERM() async throws {
        let (process, port, line) = try await Self.launch(host: "127.0.0.1")
        #expect(line == "listening on http://127.0.0.1:\(port)")
        #expect(port > 0)

        let client = try await RawClient.connect(port: port)
        try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        try await client.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse(bodyless: true).status == 200)
        try await client.send("OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\necho this")
        #expect(try await client.readResponse().text == "echo this")
        try await client.send("GET /echo HTTP/1.1\r\nHost: x\r\nX-One: 1\r\n\r\n")
        #expect(try await client.readResponse().text == "Host: x\nX-One: 1\n")
        try await client.send("POST /echo HTTP/1.1\r\nHost: y\r\nContent-Length: 2\r\n\r\nhi")
        #expect(try await client.readResponse().text == "Host: y\nContent-Length: 2\n")

        process.terminate()  // SIGTERM
        #expect(await Self.waitForExit(process) == 0)
    }

    /// Out of descriptors, `accept` fails (EMFILE): the server pauses
    /// accepting for a moment instead of spinning or dying, and serves the
    /// waiting clients as descriptors free up.
    @Test func runningOutOfDescriptorsPausesAcceptingAndRecovers() async throws {
        let (process, port, _) = try await Self.launch(host: "127.0.0.1", maxOpenFiles: 24)
        defer { process.terminate() }
        #expect(port > 0)
        // More keep-alive clients than the limit leaves descriptors for
        // (about 15 go to the runtime and the loops): the later ones wait in
        // the backlog until earlier ones are answered and closed.
        var clients: [RawClient] = []
        for _ in 0..<40 {
            let client = try await RawClient.connect(port: port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            clients.append(client)
        }
        // The server really is out of descriptors: its limit is 24 and every
        // number below it is in use (descriptors inherited above the limit,
        // from other tests running in parallel, do not count), so the EMFILE
        // path is what the rest of the test exercises.
        let pid = process.processIdentifier
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let openFiles = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        #expect(openFiles?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first == "24")
        var usedBelowLimit = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            usedBelowLimit = names.compactMap { Int($0) }.filter { $0 < 24 }.count
            if usedBelowLimit == 24 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(usedBelowLimit == 24, "descriptors below the limit in use by http-echo")
        var statuses: [Int] = []
        for client in clients {
            statuses.append(try await client.readResponse(timeout: .seconds(20)).status)
            client.close()
        }
        #expect(statuses == Array(repeating: 200, count: 40))
        #expect(process.isRunning)
    }

    @Test func printsIPv6HostsInBracketsAndStopsOnSIGINT() async throws {
        let (process, port, line) = try await Self.launch(host: "::1")
        #expect(line == "listening on http://[::1]:\(port)")
        let client = try await RawClient.connect(port: port, host: "::1")
        try await client.send("GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        process.interrupt()  // SIGINT
        #expect(await Self.waitForExit(process) == 0)
    }
}
