import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The session `URLSessionTransport.send` reads through: one per transport, so
/// connections are pooled, with a delegate that hands each task's callbacks to
/// its ``ResponseCollector`` (a completion handler would get the body only whole).
final class ResponseReader: Sendable {
    let session: URLSession
    let router: ResponseRouter

    init(configuration: URLSessionConfiguration) {
        let router = ResponseRouter()
        self.router = router
        session = URLSession(configuration: configuration, delegate: router, delegateQueue: nil)
    }

    // The session holds its delegate until invalidated; without this it would outlive the transport.
    deinit { session.finishTasksAndInvalidate() }
}

/// Sends each task's delegate callbacks to the collector registered for it.
final class ResponseRouter: NSObject, URLSessionDataDelegate, Sendable {
    private let collectors = Locked<[Int: ResponseCollector]>([:])

    func register(_ collector: ResponseCollector, for task: URLSessionTask) {
        collectors.withLock { $0[task.taskIdentifier] = collector }
    }

    func remove(_ task: URLSessionTask) {
        _ = collectors.withLock { $0.removeValue(forKey: task.taskIdentifier) }
    }

    private func collector(for task: URLSessionTask) -> ResponseCollector? {
        collectors.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        let allow = collector(for: dataTask)?.receive(response) ?? false
        completionHandler(allow ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        if collector(for: dataTask)?.append(data) == false { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        collector(for: task)?.complete(error)
    }
}

/// One `send`: gathers the head and the body within the size limit and resumes
/// its continuation exactly once, with whichever comes first: the response, an
/// error, the limit, the deadline or cancellation.
final class ResponseCollector: Sendable {
    private struct State {
        var continuation: CheckedContinuation<TransportResponse, any Error>?
        var deadline: DispatchWorkItem?
        var cancelled = false
        var done = false
        var status = 0
        var headers: [String: String] = [:]
        var hasHead = false
        var body = Data()
    }

    private let url: URL
    private let limit: Int
    private let task: URLSessionTask
    private let state = Locked(State())

    init(url: URL, limit: Int, task: URLSessionTask) {
        self.url = url
        self.limit = limit
        self.task = task
    }

    /// Stores the continuation; `false` (and resumed) when the caller was already cancelled.
    func start(_ continuation: CheckedContinuation<TransportResponse, any Error>, deadline: DispatchWorkItem) -> Bool {
        let cancelled = state.withLock { s -> Bool in
            s.continuation = continuation
            s.deadline = deadline
            return s.cancelled
        }
        if cancelled { finish(.failure(CancellationError())) }
        return !cancelled
    }

    func cancel() {
        state.withLock { $0.cancelled = true }
        finish(.failure(CancellationError()))
    }

    /// The head; `false` when the request must stop here (declared body over the limit, not HTTP).
    func receive(_ response: URLResponse) -> Bool {
        guard let http = response as? HTTPURLResponse else {
            finish(.failure(URLError(.badServerResponse)))
            return false
        }
        let headers = URLSessionTransport.headers(of: http)
        state.withLock { s in
            s.status = http.statusCode
            s.headers = headers
            s.hasHead = true
        }
        let declared = http.expectedContentLength
        if declared > Int64(limit) {
            finish(.failure(tooLarge(status: http.statusCode, seen: "declares Content-Length: \(declared)")))
            return false
        }
        return true
    }

    /// More body; `false` once the limit is passed (the request is then failed and must be cancelled).
    func append(_ data: Data) -> Bool {
        let over = state.withLock { s -> (status: Int, total: Int)? in
            guard !s.done else { return nil }
            let total = s.body.count + data.count
            if total > limit {
                s.body = Data()
                return (s.status, total)
            }
            s.body.append(data)
            return nil
        }
        guard let over else { return true }
        finish(.failure(tooLarge(status: over.status, seen: "sent more than that (\(over.total) bytes so far)")))
        return false
    }

    func complete(_ error: (any Error)?) {
        if let error {
            finish(.failure(URLSessionTransport.translate(error)))
            return
        }
        let response = state.withLock { s -> TransportResponse? in
            s.hasHead ? TransportResponse(status: s.status, headers: s.headers, body: s.body) : nil
        }
        finish(response.map { .success($0) } ?? .failure(URLError(.badServerResponse)))
    }

    /// Resumes the continuation if nothing did yet; a failure also cancels the request.
    func finish(_ result: Result<TransportResponse, any Error>) {
        let resumed = state.withLock { s -> CheckedContinuation<TransportResponse, any Error>? in
            guard !s.done, let continuation = s.continuation else { return nil }
            s.done = true
            s.deadline?.cancel()
            s.continuation = nil
            s.body = Data()
            return continuation
        }
        guard let resumed else { return }
        if case .failure = result { task.cancel() }
        resumed.resume(with: result)
    }

    private func tooLarge(status: Int, seen: String) -> VendoError {
        .other(
            code: "response_too_large",
            message: "\(url.redactedDescription) answered HTTP \(status) with a body over the \(limit)-byte limit: "
                + "it \(seen); the SDK stopped reading. Check that the URL points at the Vendo service; "
                + "if such a large answer is expected, raise the limit with "
                + "URLSessionTransport(maxResponseBytes:) passed as Vendo(transport:).",
            status: status)
    }
}
