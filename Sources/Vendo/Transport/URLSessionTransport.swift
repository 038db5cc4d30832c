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
///
/// ``send(_:)`` reads at most ``maxResponseBytes`` of body (16 MiB by default),
/// so a huge or endless answer (a misconfigured base URL, a broken proxy) cannot
/// exhaust memory: past the limit it stops reading and throws
/// `VendoError.other(code: "response_too_large")`, which is not retried.
public struct URLSessionTransport: HTTPTransport {
    /// The session whose configuration requests use. Responses are read through the
    /// transport's own delegate, so a delegate set on this session is not called.
    public let session: URLSession
    /// The largest response body ``send(_:)`` accepts, in bytes. Default
    /// ``defaultMaxResponseBytes`` (16 MiB); negative values count as 0.
    ///
    /// A response whose `Content-Length` is larger fails as soon as its head
    /// arrives; one without (chunked, or read until the connection closes) fails
    /// as soon as one byte more than the limit has arrived. Either way the request
    /// is cancelled and ``send(_:)`` throws `VendoError.other(code: "response_too_large")`
    /// with the response's status, a message naming the URL, the limit and the size
    /// seen. The event stream (``stream(_:)``) has no overall limit: it bounds each
    /// event and its buffer instead (see `EventStreamOptions`).
    public let maxResponseBytes: Int
    private let reader: ResponseReader

    /// The default ``maxResponseBytes``: 16 MiB, far above any platform answer.
    public static let defaultMaxResponseBytes = 16 * 1024 * 1024

    /// Uses `session`'s configuration; the default is an ephemeral session (no cookies, no disk cache).
    ///
    /// - Parameter maxResponseBytes: the largest response body ``send(_:)`` reads; raise it
    ///   (and pass the transport as `Vendo(transport:)`) if an answer legitimately needs more.
    public init(
        session: URLSession = URLSessionTransport.makeDefaultSession(),
        maxResponseBytes: Int = URLSessionTransport.defaultMaxResponseBytes
    ) {
        self.session = session
        self.maxResponseBytes = max(0, maxResponseBytes)
        self.reader = ResponseReader(configuration: session.configuration)
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

    /// Sends the request and collects the whole response, up to ``maxResponseBytes`` of body.
    ///
    /// - Throws: `URLError` when no response arrived (`.timedOut` after the request's
    ///   `timeout`), `CancellationError` on cancellation, and
    ///   `VendoError.other(code: "response_too_large")` when the body is over ``maxResponseBytes``.
    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        let task = reader.session.dataTask(with: Self.makeURLRequest(request))
        let collector = ResponseCollector(url: request.url, limit: maxResponseBytes, task: task)
        reader.router.register(collector, for: task)
        defer { reader.router.remove(task) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<TransportResponse, any Error>) in
                let deadline = DispatchWorkItem { collector.finish(.failure(URLError(.timedOut))) }
                guard collector.start(continuation, deadline: deadline) else { return }
                DispatchQueue.global().asyncAfter(deadline: .now() + max(0.001, request.timeout), execute: deadline)
                task.resume()
            }
        } onCancel: {
            collector.cancel()
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
