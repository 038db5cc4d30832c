import Foundation
import Logging

// Only this file needs outbound HTTP. On Linux FoundationNetworking brings
// libcurl and adds several milliseconds to process start; nothing else in the
// library imports it.
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// POSTs each verified delivery's raw body to a URL (your app, another service).
///
/// Headers sent: `Content-Type: application/json`, `Vendo-Event-Id`,
/// `Vendo-Event-Type`, `Vendo-Dedupe-Key`, and `X-Vendo-Provider` /
/// `X-Vendo-Connection-Id` when known, plus any ``extraHeaders``. Never the
/// original signature: the target should trust the forwarder, not re-verify.
///
/// A 2xx answer is success; any other status, a redirect (not followed: a
/// POST must not silently turn into a GET elsewhere), a network error or the
/// timeout (whole exchange, default 10 s) throws ``ForwardHandlerError`` and
/// the delivery is retried by its sender.
public struct ForwardHandler: WebhookHandler {
    /// Where deliveries go.
    public let url: URL
    /// The limit for the whole exchange.
    public let timeout: Duration
    /// Added to every forwarded request.
    public let extraHeaders: [(name: String, value: String)]
    private let session: URLSession
    private let logger: Logger

    /// Prepares a forwarder.
    /// - Throws: ``WebhookConfigurationError`` unless `url` is http(s) with a host
    ///   and `timeout` is positive.
    public init(
        url: URL, timeout: Duration = .seconds(10), extraHeaders: [(name: String, value: String)] = [],
        logger: Logger = Logger(label: "vendo.webhooks.forward")
    ) throws {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw WebhookConfigurationError("forward handler: \"\(url.absoluteString)\" is not an http:// or https:// URL with a host")
        }
        guard timeout > .zero else {
            throw WebhookConfigurationError("forward handler: the timeout must be positive (got \(timeout))")
        }
        self.url = url
        self.timeout = timeout
        self.extraHeaders = extraHeaders
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout.seconds
        configuration.timeoutIntervalForResource = timeout.seconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        self.session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    /// Forwards `delivery`; returns when the target answered 2xx.
    public func handle(_ delivery: WebhookDelivery) async throws {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(delivery.rawBody)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(delivery.id, forHTTPHeaderField: "Vendo-Event-Id")
        request.setValue(delivery.type, forHTTPHeaderField: "Vendo-Event-Type")
        request.setValue(delivery.dedupeKey, forHTTPHeaderField: "Vendo-Dedupe-Key")
        if let provider = delivery.provider { request.setValue(provider, forHTTPHeaderField: "X-Vendo-Provider") }
        if let connection = delivery.connectionID {
            request.setValue(connection, forHTTPHeaderField: "X-Vendo-Connection-Id")
        }
        for header in extraHeaders { request.setValue(header.value, forHTTPHeaderField: header.name) }
        request.timeoutInterval = timeout.seconds
        let prepared = request

        let status = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask { [session, prepared] in
                do {
                    let (_, response) = try await session.data(for: prepared)
                    return (response as? HTTPURLResponse)?.statusCode ?? 0
                } catch is CancellationError {
                    throw CancellationError()
                } catch let error as URLError where error.code == .timedOut {
                    throw ForwardHandlerError.timedOut(after: timeout)
                } catch let error as URLError where error.code == .cancelled {
                    throw CancellationError()
                } catch {
                    throw ForwardHandlerError.transport(error.localizedDescription)
                }
            }
            group.addTask { [timeout] in
                try await Task.sleep(for: timeout)
                throw ForwardHandlerError.timedOut(after: timeout)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
        logger.debug(
            "forwarded webhook",
            metadata: ["webhook.event_id": "\(delivery.id)", "forward.url": "\(url.absoluteString)", "forward.status": "\(status)"])
        guard (200..<300).contains(status) else { throw ForwardHandlerError.status(status) }
    }
}

/// Why a ``ForwardHandler`` run failed.
public enum ForwardHandlerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The target answered with a status outside 2xx (redirects included).
    case status(Int)
    /// No answer within the timeout.
    case timedOut(after: Duration)
    /// The connection failed (refused, reset, DNS, TLS…).
    case transport(String)

    /// A sentence for logs.
    public var description: String {
        switch self {
        case .status(let code): return "the forward target answered HTTP \(code)"
        case .timedOut(let limit): return "the forward target did not answer within \(limit.seconds) s"
        case .transport(let reason): return "the forward request failed: \(reason)"
        }
    }
}

/// Refuses redirects: the handler reports a 3xx as a failure instead of re-sending elsewhere.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
