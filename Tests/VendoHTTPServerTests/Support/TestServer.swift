import Logging
import Synchronization
import Testing
@testable import VendoHTTPServer

extension HTTPServer.Configuration.Timeouts {
    /// Timeouts no test client can hit by accident: `swift test` runs every
    /// suite at once, and on a loaded 2-core machine a client task may wait
    /// seconds between connecting and sending. Tests of the timeouts
    /// themselves pass their own values.
    static let generous = Self(headerRead: .seconds(60), bodyRead: .seconds(60), idle: .seconds(60), write: .seconds(60))
}

extension HTTPServer.Configuration {
    /// Port 0 on loopback, with the given timeouts (generous ones otherwise).
    static func test(timeouts: Timeouts = .generous, limits: HTTPParserLimits = HTTPParserLimits(),
                     maxConnections: Int = 1024, shutdownGracePeriod: Duration = .seconds(10),
                     host: String = "127.0.0.1") -> Self {
        HTTPServer.Configuration(host: host, port: 0, maxConnections: maxConnections, limits: limits,
                                 timeouts: timeouts, shutdownGracePeriod: shutdownGracePeriod)
    }
}

extension Logger {
    /// A logger that drops everything, so test output stays readable.
    static var quiet: Logger { Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }) }
}

/// Runs `body` against a started server and shuts it down afterwards.
func withServer(
    _ configuration: HTTPServer.Configuration = .test(),
    logger: Logger = .quiet,
    responder: any HTTPResponder,
    _ body: (HTTPServer) async throws -> Void
) async throws {
    let server = HTTPServer(configuration: configuration, logger: logger, responder: responder)
    try server.start()
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Runs `body` against a server routing with `configure`.
func withRouter(
    _ configuration: HTTPServer.Configuration = .test(),
    logger: Logger = .quiet,
    routes configure: (inout Router) -> Void,
    _ body: (HTTPServer) async throws -> Void
) async throws {
    var router = Router()
    configure(&router)
    try await withServer(configuration, logger: logger, responder: router, body)
}

/// A one-shot signal between a test and a handler: `wait` suspends until `open`.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var isOpen: Bool { state.withLock { $0.open } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits at most `timeout`; returns whether the gate opened.
    func wait(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isOpen {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}

/// A thread-safe list a handler appends to and a test reads.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

/// Log entries captured in memory, for checking what is (not) logged.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func record(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "test") { _ in RecordingLogHandler(recorder: self) }
        logger.logLevel = level
        return logger
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        recorder.record(.init(level: event.level, message: "\(event.message)",
                              metadata: merged.mapValues { "\($0)" }))
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
