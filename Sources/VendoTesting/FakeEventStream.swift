import Foundation
import Vendo
import VendoHTTPServer

/// A fake of the platform's event stream, `GET /api/deployments/me/events`:
/// a live event bus that behaves as the real one does, for testing code that
/// subscribes to events.
///
/// - Events you ``publish(_:)`` go to every open stream as `id`/`event`/`data`
///   blocks, and into a replay buffer of the last ``Configuration/replayLimit``
///   (100) events; a request with `Last-Event-ID` first gets the buffered events
///   after that id (none when the id is no longer buffered, as on the platform).
/// - `: ping` every ``Configuration/heartbeatInterval`` (25 s; `nil` for silence).
/// - ``dropConnections()`` cuts every open stream mid-response, as a crashed
///   server or a broken network would; ``endStreams()`` ends them cleanly.
/// - ``failNext(status:code:times:headers:)`` answers the next requests with an
///   error instead (401 `app_unknown`, 429, 503…); ``acceptAPIKeys(_:)`` rejects other keys.
/// - It records each request (``requests``) and counts open streams
///   (``openStreams``), so a test can see a client disconnect.
///
/// Run it on its own server:
///
/// ```swift
/// let events = try FakeEventStream.start()
/// defer { Task { await events.stop() } }
/// let vendo = try events.client()
/// events.publish(type: "connection.connected", data: ["slug": "openai"])
/// for try await event in try vendo.events.subscribe() { … }
/// ```
///
/// or mount ``respond(to:)`` in any `VendoHTTPServer` router (the fake platform can).
public final class FakeEventStream: Sendable {
    /// How the fake stream behaves; change it at run time with ``update(_:)``.
    public struct Configuration: Sendable {
        /// Time between `: ping` comments; `nil` sends none (a silent server). Default 25 s.
        public var heartbeatInterval: Duration?
        /// Events kept for `Last-Event-ID` replay. Default 100, as on the platform.
        public var replayLimit: Int
        /// Also send each `connection.*` event under its legacy name
        /// (`connection_created`, `connection_deleted`, `connection_updated`), as older servers do.
        /// Default `false`.
        public var sendsLegacyAliases: Bool
        /// Sent as `retry: <ms>` at the start of each stream. Default `nil` (not sent).
        public var retryMilliseconds: Int?

        /// Creates a configuration; every parameter defaults to the value in its description.
        public init(
            heartbeatInterval: Duration? = .seconds(25), replayLimit: Int = 100, sendsLegacyAliases: Bool = false,
            retryMilliseconds: Int? = nil
        ) {
            self.heartbeatInterval = heartbeatInterval
            self.replayLimit = max(0, replayLimit)
            self.sendsLegacyAliases = sendsLegacyAliases
            self.retryMilliseconds = retryMilliseconds
        }
    }

    /// One request the fake stream received.
    public struct Request: Sendable {
        /// The request's header fields, in order.
        public var headers: [(name: String, value: String)]
        /// The first value of header `name`, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    enum Action: Sendable {
        case bytes([UInt8])
        case drop
        case end
    }

    struct Subscriber: Sendable {
        let continuation: AsyncStream<Action>.Continuation
    }

    struct State: Sendable {
        var configuration: Configuration
        var buffer: [EventStreamMessage] = []
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var nextEventNumber = 1
        var requests: [Request] = []
        var failures: [(status: Int, code: String?, headers: [String: String])] = []
        var acceptedAPIKeys: Set<String>?
        var closedStreams = 0

        mutating func takeEventID() -> String {
            defer { nextEventNumber += 1 }
            return "evt_\(nextEventNumber)"
        }
    }

    /// The platform's path for the stream.
    public static let path = "/api/deployments/me/events"

    private let state: LockedState<State>
    private let server: LockedState<HTTPServer?> = LockedState(nil)

    /// Creates a stream to mount with ``respond(to:)``; see ``start(configuration:)`` for one with its own server.
    public init(configuration: Configuration = Configuration()) {
        state = LockedState(State(configuration: configuration))
    }

    /// Starts a fake stream on its own server, on an ephemeral port of 127.0.0.1.
    ///
    /// It answers ``path`` and 404 elsewhere.
    /// - Throws: the server's error when it cannot bind.
    public static func start(configuration: Configuration = Configuration()) throws -> FakeEventStream {
        let stream = FakeEventStream(configuration: configuration)
        // A long idle timeout: URLSession reuses connections and must not race the server closing them.
        let server = HTTPServer(
            configuration: HTTPServer.Configuration(
                host: "127.0.0.1", port: 0, timeouts: HTTPServer.Configuration.Timeouts(idle: .seconds(120))),
            responder: ClosureResponder { [weak stream] request in
                guard let stream, request.path == Self.path else { return HTTPResponse(status: .notFound) }
                return stream.respond(to: request)
            })
        try server.start()
        stream.server.withLock { $0 = server }
        return stream
    }

    /// Ends every open stream and stops the server, if ``start(configuration:)`` made one.
    public func stop() async {
        endStreams()
        let server = self.server.withLock { $0 }
        await server?.shutdown()
    }

    /// The server's base URL (no path), when it runs its own server.
    public var baseURL: URL? {
        server.withLock { $0 }.map { URL(string: "http://127.0.0.1:\($0.port)")! }
    }

    /// A client in Vendo mode whose base URL is this server (requires ``start(configuration:)``).
    ///
    /// - Throws: `VendoError` when the stream has no server of its own.
    public func client(apiKey: String = "vendo_sk_fake_events", userJWT: String? = nil) throws -> Vendo {
        guard let baseURL else {
            throw VendoError.other(
                code: "invalid_configuration",
                message: "FakeEventStream.client(): this stream was not started with FakeEventStream.start()",
                status: nil)
        }
        return try Vendo(apiKey: apiKey, baseURL: baseURL.absoluteString, userJWT: userJWT, env: [:])
    }

    // MARK: - Control

    /// Changes the configuration; streams opened later, and the heartbeats of open ones, follow it.
    public func update(_ change: (inout Configuration) -> Void) {
        state.withLock { change(&$0.configuration) }
    }

    /// Sends `event` to every open stream and keeps it for replay. An event without
    /// an id gets the next `evt_<n>`; the event as sent is returned.
    @discardableResult
    public func publish(_ event: EventStreamMessage) -> EventStreamMessage {
        state.withLock { s in
            let id = event.id ?? s.takeEventID()
            let sent = EventStreamMessage(type: event.type, data: event.data, id: id, retry: event.retry)
            s.buffer.append(sent)
            if s.buffer.count > s.configuration.replayLimit { s.buffer.removeFirst(s.buffer.count - s.configuration.replayLimit) }
            let bytes = Self.encode(sent, legacyAliases: s.configuration.sendsLegacyAliases)
            for subscriber in s.subscribers.values { subscriber.continuation.yield(.bytes(bytes)) }
            return sent
        }
    }

    /// Publishes an event of `type` whose payload, like the platform's, also carries `id`, `at` and `kind`.
    @discardableResult
    public func publish(type: String, data: [String: JSONValue] = [:], id: String? = nil) -> EventStreamMessage {
        let id = id ?? state.withLock { $0.takeEventID() }
        var payload = data
        payload["id"] = .string(id)
        payload["kind"] = .string(type)
        if payload["at"] == nil { payload["at"] = .string(ISO8601DateFormatter().string(from: Date())) }
        return publish(EventStreamMessage(type: type, data: .object(payload), id: id))
    }

    /// Writes `text` as it is to every open stream (for malformed or oversize input).
    public func sendRaw(_ text: String) {
        state.withLock { s in
            for subscriber in s.subscribers.values { subscriber.continuation.yield(.bytes(Array(text.utf8))) }
        }
    }

    /// Cuts every open stream mid-response (no final chunk), as a server crash would.
    public func dropConnections() {
        finishAll(with: .drop)
    }

    /// Ends every open stream cleanly (the body completes), as a server closing the stream would.
    public func endStreams() {
        finishAll(with: .end)
    }

    /// Answers the next `times` requests with `status` (and `Vendo-Error-Code: code`) instead of a stream.
    public func failNext(status: Int, code: String? = nil, times: Int = 1, headers: [String: String] = [:]) {
        state.withLock { s in
            for _ in 0..<max(0, times) { s.failures.append((status, code, headers)) }
        }
    }

    /// Only these keys may subscribe; others get 401 `app_unknown`. `nil` (the default) accepts any key.
    public func acceptAPIKeys(_ keys: Set<String>?) {
        state.withLock { $0.acceptedAPIKeys = keys }
    }

    // MARK: - Observation

    /// Every request so far, in arrival order.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Streams open right now.
    public var openStreams: Int { state.withLock { $0.subscribers.count } }

    /// Streams that have ended, for whatever reason (the client left, a drop, an end).
    public var closedStreams: Int { state.withLock { $0.closedStreams } }

    /// The events kept for replay, oldest first.
    public var bufferedEvents: [EventStreamMessage] { state.withLock { $0.buffer } }

    /// Waits until `condition` holds, checking every few milliseconds; `false` after `timeout`.
    @discardableResult
    public func wait(
        timeout: Duration = .seconds(20), until condition: @escaping @Sendable (FakeEventStream) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(self)
    }

    // MARK: - Serving

    /// Answers one request to the stream's path.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let recorded = Request(headers: request.headers.map { ($0.name, $0.value) })
        let refusal = state.withLock { s -> HTTPResponse? in
            s.requests.append(recorded)
            if let accepted = s.acceptedAPIKeys {
                let key = recorded.header("Authorization").flatMap { value -> String? in
                    value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : nil
                }
                if key.map({ !accepted.contains($0) }) ?? true {
                    return Self.errorResponse(status: 401, code: "app_unknown", message: "Unknown API key", headers: [:])
                }
            }
            guard !s.failures.isEmpty else { return nil }
            let failure = s.failures.removeFirst()
            return Self.errorResponse(
                status: failure.status, code: failure.code, message: "Injected failure", headers: failure.headers)
        }
        if let refusal { return refusal }

        let lastEventID = recorded.header("Last-Event-ID")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream")
        headers.add(name: "Cache-Control", value: "no-cache")
        return HTTPResponse(status: .ok, headers: headers, body: .stream { [self] writer in
            let (actions, continuation) = AsyncStream.makeStream(of: Action.self)
            let subscriber = subscribe(continuation, lastEventID: lastEventID)
            let heartbeat = Task { await self.heartbeats(into: continuation) }
            defer {
                heartbeat.cancel()
                unsubscribe(subscriber)
            }
            // Ends when the client leaves (the server cancels this task, or a write throws).
            for await action in actions {
                switch action {
                case .bytes(let bytes): try await writer.write(bytes)
                case .end: return
                // Throwing after the head makes the server close without the final chunk.
                case .drop: throw CancellationError()
                }
            }
        })
    }

    /// Registers a stream and queues its replay, atomically with publishing, so nothing is missed or doubled.
    private func subscribe(_ continuation: AsyncStream<Action>.Continuation, lastEventID: String?) -> Int {
        state.withLock { s in
            let number = s.nextSubscriber
            s.nextSubscriber += 1
            if let retry = s.configuration.retryMilliseconds {
                continuation.yield(.bytes(Array("retry: \(retry)\n\n".utf8)))
            }
            if let lastEventID, let index = s.buffer.lastIndex(where: { $0.id == lastEventID }) {
                for event in s.buffer[(index + 1)...] {
                    continuation.yield(.bytes(Self.encode(event, legacyAliases: s.configuration.sendsLegacyAliases)))
                }
            }
            s.subscribers[number] = Subscriber(continuation: continuation)
            return number
        }
    }

    private func unsubscribe(_ number: Int) {
        state.withLock { s in
            s.subscribers[number]?.continuation.finish()
            s.subscribers[number] = nil
            s.closedStreams += 1
        }
    }

    private func finishAll(with action: Action) {
        state.withLock { s in
            for subscriber in s.subscribers.values {
                subscriber.continuation.yield(action)
                subscriber.continuation.finish()
            }
        }
    }

    private func heartbeats(into continuation: AsyncStream<Action>.Continuation) async {
        while !Task.isCancelled {
            let interval = state.withLock { $0.configuration.heartbeatInterval }
            do {
                try await Task.sleep(for: interval ?? .milliseconds(50))
            } catch {
                return
            }
            if interval != nil { continuation.yield(.bytes(Array(": ping\n\n".utf8))) }
        }
    }

    // MARK: - Encoding

    /// The SSE block of one event; a string payload is sent as text, anything else as JSON.
    static func encode(_ event: EventStreamMessage, legacyAliases: Bool) -> [UInt8] {
        var text = block(event, type: event.type)
        if legacyAliases, let alias = legacyName(of: event.type) { text += block(event, type: alias) }
        return Array(text.utf8)
    }

    private static func block(_ event: EventStreamMessage, type: String) -> String {
        var text = ""
        if let id = event.id { text += "id: \(id)\n" }
        if type != "message" { text += "event: \(type)\n" }
        if let retry = event.retry { text += "retry: \(retry)\n" }
        let payload: String
        if case .string(let raw) = event.data {
            payload = raw
        } else {
            payload = (try? event.data.jsonData()).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        }
        for line in payload.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }

    /// The legacy name older servers send an event under again, if any.
    static func legacyName(of type: String) -> String? {
        switch type {
        case "connection.connected": return "connection_created"
        case "connection.disconnected": return "connection_deleted"
        case "connection.changed", "connection.status_changed": return "connection_updated"
        default: return nil
        }
    }

    private static func errorResponse(status: Int, code: String?, message: String, headers extra: [String: String])
        -> HTTPResponse
    {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if let code { headers.add(name: "Vendo-Error-Code", value: code) }
        for (name, value) in extra { headers.add(name: name, value: value) }
        var error: [String: JSONValue] = ["message": .string(message)]
        if let code { error["code"] = .string(code) }
        let body = (try? JSONValue.object(["error": .object(error)]).jsonData()).map(Array.init) ?? []
        return HTTPResponse(status: HTTPStatus(code: status), headers: headers, body: .bytes(body))
    }
}

/// A value behind a lock (VendoTesting cannot see the SDK's internal one).
final class LockedState<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
