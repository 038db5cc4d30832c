import Foundation
import Testing

@testable import Vendo

/// A transport that answers each streamed request with the next scripted
/// response and records what the client sent and when a body was abandoned.
final class ScriptedStreamTransport: HTTPTransport, Sendable {
    /// How a scripted body ends after its chunks.
    enum Ending: Sendable {
        case finish
        case fail(URLError.Code)
        /// Stays open until the client gives up on it.
        case hang
    }

    /// One scripted answer.
    enum Step: Sendable {
        case respond(status: Int, headers: [String: String], chunks: [String], ending: Ending)
        case networkError(URLError.Code)
        /// A 200 event stream whose chunks the test pushes through `feed(_:)`.
        case live

        static func events(_ chunks: [String], ending: Ending = .finish) -> Step {
            .respond(status: 200, headers: ["Content-Type": "text/event-stream"], chunks: chunks, ending: ending)
        }
    }

    private struct State {
        var steps: [Step]
        var requests: [TransportRequest] = []
        var terminatedBodies = 0
        var live: AsyncThrowingStream<Data, any Error>.Continuation?
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Locked<State>

    init(_ steps: [Step]) {
        state = Locked(State(steps: steps))
    }

    var requests: [TransportRequest] { state.withLock { $0.requests } }
    var terminatedBodies: Int { state.withLock { $0.terminatedBodies } }

    /// Pushes a chunk into the current `.live` body.
    func feed(_ text: String) {
        _ = state.withLock { $0.live }?.yield(Data(text.utf8))
    }

    /// Ends the current `.live` body as the server closing the stream.
    func closeLive() {
        state.withLock { $0.live }?.finish()
    }

    /// Waits until `count` requests were made (generous timeout, then fails the test).
    func waitForRequests(_ count: Int, timeout: Duration = .seconds(20)) async {
        await waitUntil(timeout: timeout, "\(count) requests") { self.requests.count >= count }
    }

    /// Waits until `count` bodies were abandoned by the client.
    func waitForTerminatedBodies(_ count: Int, timeout: Duration = .seconds(20)) async {
        await waitUntil(timeout: timeout, "\(count) closed bodies") { self.terminatedBodies >= count }
    }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        Issue.record("the event stream must use stream(_:), not send(_:)")
        return TransportResponse(status: 500)
    }

    func stream(_ request: TransportRequest) async throws -> TransportStreamResponse {
        let step = state.withLock { s -> Step in
            s.requests.append(request)
            // Past the script: a silent open stream, so the loop just waits.
            return s.steps.isEmpty ? .respond(status: 200, headers: [:], chunks: [], ending: .hang) : s.steps.removeFirst()
        }
        let (body, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
        continuation.onTermination = { [state] _ in state.withLock { $0.terminatedBodies += 1 } }
        switch step {
        case .networkError(let code):
            throw URLError(code)
        case .live:
            state.withLock { $0.live = continuation }
            return TransportStreamResponse(
                head: TransportResponseHead(status: 200, headers: ["Content-Type": "text/event-stream"]), body: body)
        case .respond(let status, let headers, let chunks, let ending):
            for chunk in chunks { continuation.yield(Data(chunk.utf8)) }
            switch ending {
            case .finish: continuation.finish()
            case .fail(let code): continuation.finish(throwing: URLError(code))
            case .hang: break
            }
            return TransportStreamResponse(head: TransportResponseHead(status: status, headers: headers), body: body)
        }
    }
}

/// Polls `condition` until it holds; records an issue when `timeout` passes first.
func waitUntil(
    timeout: Duration = .seconds(20), _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @escaping @Sendable () async -> Bool
) async {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try? await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
}

/// Records the reconnection waits instead of sleeping through them.
final class RecordedSleeps: Sendable {
    private let delays = Locked<[Double]>([])
    var values: [Double] { delays.withLock { $0 } }

    var sleep: @Sendable (Double) async throws -> Void {
        { [delays] seconds in
            delays.withLock { $0.append(seconds) }
            try Task.checkCancellation()
            await Task.yield()
        }
    }
}

/// A context in Vendo mode pointing at `transport`.
func eventsContext(
    transport: any HTTPTransport, apiKey: String? = "vendo_sk_test", userJWT: String? = nil,
    baseURL: String = "http://platform.test"
) -> ClientContext {
    ClientContext(
        apiKey: apiKey, isVendoMode: apiKey != nil, baseURL: URL(string: baseURL)!,
        credentialsURL: URL(string: "http://credentials.test")!, dataProxyURL: URL(string: "http://proxy.test")!,
        apiVersion: "2026-05-07", userJWT: userJWT, env: [:], transport: transport, retryPolicy: .none,
        timeout: 30, userAgent: "vendo-swift-tests")
}

/// Collects the first `count` events of `sequence`, failing the test on a timeout.
func firstEvents(
    _ count: Int, of sequence: EventsAsyncSequence, timeout: Duration = .seconds(20)
) async throws -> [EventStreamMessage] {
    try await withThrowingTaskGroup(of: [EventStreamMessage]?.self) { group in
        group.addTask {
            var collected: [EventStreamMessage] = []
            for try await event in sequence {
                collected.append(event)
                if collected.count == count { break }
            }
            return collected
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let events = first else {
            Issue.record("timed out waiting for \(count) events")
            return []
        }
        return events
    }
}

/// An SSE block for an event with a JSON payload carrying its id.
func sseBlock(id: String, type: String, extra: String = "") -> String {
    "id: \(id)\nevent: \(type)\ndata: {\"id\":\"\(id)\",\"kind\":\"\(type)\"\(extra)}\n\n"
}
