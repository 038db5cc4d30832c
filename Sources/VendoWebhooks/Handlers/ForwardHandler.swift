#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Logging

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
///
/// Plain `http://` only: the endpoint links no TLS library (URLSession and
/// libcurl would double its memory). Forward to the app over the private
/// network or loopback, or through a TLS sidecar that listens on `http://`.
/// The target's answer is read up to 1 MiB of body and then dropped.
public struct ForwardHandler: WebhookHandler {
    /// Where deliveries go.
    public let url: URL
    /// The limit for the whole exchange.
    public let timeout: Duration
    /// Added to every forwarded request.
    public let extraHeaders: [(name: String, value: String)]
    private let target: OutboundURL
    private let client: OutboundHTTPClient
    private let logger: Logger

    /// Prepares a forwarder.
    /// - Throws: ``WebhookConfigurationError`` unless `url` is `http://` with a
    ///   host, `timeout` is positive and each extra header can be sent as given.
    ///   An `https://` URL is refused with a message that says what to do instead.
    public init(
        url: URL, timeout: Duration = .seconds(10), extraHeaders: [(name: String, value: String)] = [],
        logger: Logger = Logger(label: "vendo.webhooks.forward")
    ) throws {
        do {
            target = try OutboundURL(url.absoluteString)
        } catch {
            throw WebhookConfigurationError("forward handler: \(error.description)")
        }
        guard timeout > .zero else {
            throw WebhookConfigurationError("forward handler: the timeout must be positive (got \(timeout))")
        }
        for header in extraHeaders {
            if Self.ownHeaders.contains(where: { header.name.equalsIgnoringASCIICase($0) }) {
                throw WebhookConfigurationError("forward handler: the header \(header.name) is set by the forwarder itself")
            }
            if header.name.isEmpty || header.name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 >= 0x7F })
                || header.value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
            {
                throw WebhookConfigurationError("forward handler: the extra header '\(header.name)' has a bad name or a value with a line break")
            }
        }
        self.url = url
        self.timeout = timeout
        self.extraHeaders = extraHeaders
        self.logger = logger
        client = OutboundHTTPClient(configuration: .init(timeout: timeout))
    }

    /// Headers the client or the forwarder write; an extra header may not replace them.
    private static let ownHeaders = ["Host", "Content-Length", "Transfer-Encoding", "Connection"]

    /// Forwards `delivery`; returns when the target answered 2xx.
    public func handle(_ delivery: WebhookDelivery) async throws {
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"),
            ("Vendo-Event-Id", delivery.id),
            ("Vendo-Event-Type", delivery.type),
            ("Vendo-Dedupe-Key", delivery.dedupeKey),
        ]
        if let provider = delivery.provider { headers.append(("X-Vendo-Provider", provider)) }
        if let connection = delivery.connectionID { headers.append(("X-Vendo-Connection-Id", connection)) }
        // An extra header replaces a default of the same name rather than doubling it.
        for extra in extraHeaders {
            headers.removeAll { $0.name.equalsIgnoringASCIICase(extra.name) }
            headers.append(extra)
        }
        let status: Int
        do {
            status = try await client.send(method: "POST", url: target, headers: headers, body: delivery.rawBody).status
        } catch .timedOut {
            throw ForwardHandlerError.timedOut(after: timeout)
        } catch .cancelled {
            throw CancellationError()
        } catch {
            throw ForwardHandlerError.transport(error.description)
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
