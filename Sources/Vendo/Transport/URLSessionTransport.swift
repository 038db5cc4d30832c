import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The default ``HTTPTransport``: Foundation's `URLSession` (FoundationNetworking on Linux).
///
/// Each request gets a hard deadline of its `timeout` for the whole exchange,
/// on top of URLSession's own idle timeout, so a server that trickles bytes
/// cannot hold a call forever. A timeout throws `URLError(.timedOut)`; task
/// cancellation cancels the request and throws `CancellationError`.
public struct URLSessionTransport: HTTPTransport {
    /// The session requests go through.
    public let session: URLSession

    /// Uses `session`; the default is an ephemeral session (no cookies, no disk cache).
    public init(session: URLSession = URLSessionTransport.makeDefaultSession()) {
        self.session = session
    }

    /// An ephemeral session with no cookie storage and no URL cache: an API client needs neither.
    public static func makeDefaultSession() -> URLSession {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }

    /// Sends the request and collects the whole response.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let urlRequest = Self.makeURLRequest(request)
        let state = Locked<SendState>(SendState())
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<TransportResponse, any Error>) in
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    let result: Result<TransportResponse, any Error>
                    if let error {
                        result = .failure(Self.translate(error))
                    } else if let http = response as? HTTPURLResponse {
                        result = .success(TransportResponse(
                            status: http.statusCode, headers: Self.headers(of: http), body: data ?? Data()))
                    } else {
                        result = .failure(URLError(.badServerResponse))
                    }
                    _ = state.withLock { $0.finish(result) }
                }
                let deadline = DispatchWorkItem { [task] in
                    if state.withLock({ $0.finish(.failure(URLError(.timedOut))) }) { task.cancel() }
                }
                let cancelled = state.withLock { s -> Bool in
                    s.continuation = continuation
                    s.task = task
                    s.deadline = deadline
                    return s.cancelled
                }
                if cancelled {
                    state.withLock { _ = $0.finish(.failure(CancellationError())) }
                    return
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + max(0.001, request.timeout), execute: deadline)
                task.resume()
            }
        } onCancel: {
            let task = state.withLock { s -> URLSessionDataTask? in
                s.cancelled = true
                return s.finish(.failure(CancellationError())) ? s.task : nil
            }
            task?.cancel()
        }
    }

    /// Sends the request and returns as soon as the head arrives; the body streams.
    ///
    /// The request's `timeout` is URLSession's idle timeout here (no bytes for that
    /// long ends the stream with `URLError(.timedOut)`), not a deadline for the whole
    /// body: streams such as server-sent events stay open indefinitely.
    /// Ending iteration of the body cancels the request.
    public func stream(_ request: TransportRequest) async throws -> TransportStreamResponse {
        let delegate = StreamDelegate()
        let session = URLSession(
            configuration: self.session.configuration, delegate: delegate, delegateQueue: nil)
        let task = session.dataTask(with: Self.makeURLRequest(request))
        delegate.onTerminate = { [task, session] in
            task.cancel()
            session.finishTasksAndInvalidate()
        }
        return try await withTaskCancellationHandler {
            let head: TransportResponseHead = try await withCheckedThrowingContinuation { continuation in
                delegate.setHeadContinuation(continuation)
                task.resume()
            }
            return TransportStreamResponse(head: head, body: delegate.body)
        } onCancel: {
            delegate.fail(CancellationError())
            task.cancel()
            session.finishTasksAndInvalidate()
        }
    }

    static func makeURLRequest(_ request: TransportRequest) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = max(0.001, request.timeout)
        urlRequest.cachePolicy = .reloadIgnoringLocalCacheData
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.httpBody = request.body
        return urlRequest
    }

    static func headers(of response: HTTPURLResponse) -> [String: String] {
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            headers[String(describing: name)] = String(describing: value)
        }
        return headers
    }

    static func translate(_ error: any Error) -> any Error {
        if let urlError = error as? URLError, urlError.code == .cancelled { return CancellationError() }
        return error
    }
}

/// One `send`'s continuation, resumed exactly once by whichever comes first:
/// the response, the deadline or cancellation.
private struct SendState {
    var continuation: CheckedContinuation<TransportResponse, any Error>?
    var task: URLSessionDataTask?
    var deadline: DispatchWorkItem?
    var cancelled = false
    var done = false

    /// Resumes the continuation if nothing did yet; returns whether this call did.
    @discardableResult
    mutating func finish(_ result: Result<TransportResponse, any Error>) -> Bool {
        guard !done, let continuation else { return false }
        done = true
        deadline?.cancel()
        continuation.resume(with: result)
        self.continuation = nil
        return true
    }
}

/// Feeds one streamed response from URLSession's delegate callbacks into async code.
private final class StreamDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var head: CheckedContinuation<TransportResponseHead, any Error>?
        var pendingHeadResult: Result<TransportResponseHead, any Error>?
        var finished = false
    }

    private let state = Locked(State())
    let body: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    var onTerminate: (@Sendable () -> Void)? {
        didSet {
            let handler = onTerminate
            continuation.onTermination = { _ in handler?() }
        }
    }

    override init() {
        (body, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
        super.init()
    }

    func setHeadContinuation(_ head: CheckedContinuation<TransportResponseHead, any Error>) {
        let pending = state.withLock { s -> Result<TransportResponseHead, any Error>? in
            if let result = s.pendingHeadResult { return result }
            s.head = head
            return nil
        }
        if let pending { head.resume(with: pending) }
    }

    private func resolveHead(_ result: Result<TransportResponseHead, any Error>) {
        let head = state.withLock { s -> CheckedContinuation<TransportResponseHead, any Error>? in
            if let head = s.head {
                s.head = nil
                return head
            }
            if s.pendingHeadResult == nil { s.pendingHeadResult = result }
            return nil
        }
        head?.resume(with: result)
    }

    func fail(_ error: any Error) {
        resolveHead(.failure(error))
        continuation.finish(throwing: error)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let http = response as? HTTPURLResponse {
            resolveHead(.success(TransportResponseHead(
                status: http.statusCode, headers: URLSessionTransport.headers(of: http))))
            completionHandler(.allow)
        } else {
            fail(URLError(.badServerResponse))
            completionHandler(.cancel)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            fail(URLSessionTransport.translate(error))
        } else {
            resolveHead(.failure(URLError(.badServerResponse)))
            continuation.finish()
        }
        session.finishTasksAndInvalidate()
    }
}
