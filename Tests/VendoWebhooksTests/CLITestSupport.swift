import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the `vendo-webhooks` executable that `swift build`/`swift test` produced.
///
/// The test runner sits in the same products folder as the executables
/// (`<scratch-path>/<triple>/debug/`), whatever `--scratch-path` was, so the
/// search starts from the running test binary. `VENDO_WEBHOOKS_BINARY`
/// overrides it.
enum CLIBinary {
    static let url: URL? = locate()

    /// The binary, or a test failure that says how to get it.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        guard let url else {
            Issue.record("""
                vendo-webhooks executable not found next to the test binary (\(startDirectories.map(\.path))). \
                Build it first (`swift build --product vendo-webhooks` with the same --scratch-path), or set \
                VENDO_WEBHOOKS_BINARY to its path.
                """, sourceLocation: sourceLocation)
            throw CLITestError("vendo-webhooks binary missing")
        }
        return url
    }

    private static var startDirectories: [URL] {
        var directories: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            directories.append(URL(fileURLWithPath: exe).deletingLastPathComponent())
        }
        if let exe = Bundle.main.executableURL { directories.append(exe.deletingLastPathComponent()) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        return directories
    }

    private static func locate() -> URL? {
        if let override = ProcessInfo.processInfo.environment["VENDO_WEBHOOKS_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        for start in startDirectories {
            var directory = start
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("vendo-webhooks")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }
}

struct CLITestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Bytes collected from a pipe by a reader thread.
final class CapturedStream: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private var closed = false

    var data: [UInt8] { lock.withLock { bytes } }
    var text: String { String(decoding: data, as: UTF8.self) }
    var isClosed: Bool { lock.withLock { closed } }

    /// Starts a thread that reads `handle` until end of file.
    func drain(_ handle: FileHandle) {
        let thread = Thread { [self] in
            let fd = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 8192)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    lock.withLock { bytes += buffer[0..<n] }
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            lock.withLock { closed = true }
        }
        thread.start()
    }
}

/// A child process (the real `vendo-webhooks`) with captured output.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdout = CapturedStream()
    let stderr = CapturedStream()
    private let exitLock = NSLock()
    private var exitStatus: Int32?

    /// The test runner's environment without anything that configures the tool,
    /// so a variable set on the CI machine cannot change what a test sees.
    static func cleanEnvironment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { key, _ in
            !(key.hasPrefix("VENDO_") || key.hasPrefix("TELEGRAM_") || key.hasPrefix("LOG_")
              || ["PORT", "HOST"].contains(key))
        }
        env.merge(extra) { _, new in new }
        return env
    }

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], stdin: [UInt8]? = nil,
         currentDirectory: URL? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = Self.cleanEnvironment(environment)
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        process.terminationHandler = { [weak self] process in
            guard let self else { return }
            self.exitLock.withLock { self.exitStatus = process.terminationStatus }
        }
        try process.run()
        stdout.drain(outPipe.fileHandleForReading)
        stderr.drain(errPipe.fileHandleForReading)
        if let stdin { try inPipe.fileHandleForWriting.write(contentsOf: Data(stdin)) }
        try inPipe.fileHandleForWriting.close()
    }

    var pid: Int32 { process.processIdentifier }
    var status: Int32? { exitLock.withLock { exitStatus } }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit status (and for both streams to reach end of file).
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        try await eventually("process \(process.arguments ?? []) to exit", timeout: timeout) {
            self.status != nil && self.stdout.isClosed && self.stderr.isClosed
        }
        return status!
    }

    /// Waits for the first complete line on standard output.
    func firstStdoutLine(timeout: Duration = .seconds(60)) async throws -> String {
        try await eventually("a first line on stdout (stderr so far: \(stderr.text))", timeout: timeout) {
            self.stdout.text.contains("\n") || self.status != nil
        }
        guard let line = stdout.text.split(separator: "\n", omittingEmptySubsequences: false).first, stdout.text.contains("\n") else {
            throw CLITestError("process exited with \(status ?? -1) before printing a line; stderr: \(stderr.text)")
        }
        return String(line)
    }

    /// Ends the process if a test left it running.
    func terminateIfRunning() {
        if status == nil { kill(process.processIdentifier, SIGKILL) }
    }

    deinit { if exitStatus == nil { kill(process.processIdentifier, SIGKILL) } }
}

/// Output of a command run to completion.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: [UInt8]
}

/// Runs `vendo-webhooks ARGS` to completion.
func runCLI(_ arguments: [String], environment: [String: String] = [:], stdin: [UInt8]? = nil,
            currentDirectory: URL? = nil, timeout: Duration = .seconds(60)) async throws -> CommandResult {
    let child = try ChildProcess(try CLIBinary.require(), arguments, environment: environment, stdin: stdin,
                                 currentDirectory: currentDirectory)
    let status = try await child.waitForExit(timeout: timeout)
    return CommandResult(status: status, stdout: child.stdout.text, stderr: child.stderr.text, stdoutBytes: child.stdout.data)
}

/// Polls `condition` until it holds; fails after `timeout` (generous: the machine may be loaded).
func eventually(_ what: @autoclosure () -> String, timeout: Duration = .seconds(60),
                _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        if ContinuousClock.now > deadline { throw CLITestError("timed out waiting for \(what())") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vendo-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes an executable shell script.
func writeScript(_ text: String, to url: URL) throws {
    try Data(("#!/bin/sh\n" + text).utf8).write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
}
