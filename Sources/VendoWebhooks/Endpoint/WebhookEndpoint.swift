#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VendoHTTPServer

/// Everything a deployment serves, assembled into one responder for `HTTPServer`.
///
/// | path (default) | what | identity |
/// |---|---|---|
/// | `POST /webhooks/vendo` | the ``WebhookReceiver`` | never required |
/// | `GET /healthz` | liveness: 200 `{"ok":true}`, no work | never required |
/// | `GET /api/vendo/identity` | ``IdentityEndpoint`` behind ``SSOMiddleware`` | read when trusted |
/// | `metricsPath` (opt-in) | Prometheus text from ``WebhookMetrics`` | none |
/// | `telegramPath` (opt-in) | ``TelegramWebhookResponder`` | its own secret token |
/// | anything else | your `userRoutes` behind ``SSOMiddleware``, else 404 JSON | as configured |
///
/// The fixed paths are matched first, by exact path (query ignored), so the
/// webhook's hot path does no routing work beyond one string comparison.
public struct WebhookEndpoint: Sendable {
    /// Paths and switches; every default documented.
    public struct Configuration: Sendable {
        /// The webhook path (default `/webhooks/vendo`).
        public var webhookPath: String
        /// The liveness path (default `/healthz`, what the platform probes).
        public var healthPath: String
        /// The identity endpoint (default `/api/vendo/identity`); `nil` turns it off.
        public var identityPath: String?
        /// Where metrics are served; `nil` (default) ⇒ not served.
        public var metricsPath: String?
        /// The direct Telegram path; `nil` (default) ⇒ not served.
        public var telegramPath: String?
        /// The Telegram secret token; `nil` ⇒ `TELEGRAM_SIGNING_SECRET`.
        public var telegramSecretToken: String?
        /// Whether to trust the app-proxy's identity headers; `nil` (default) ⇒ `VENDO_AUTH=1`.
        public var trustProxy: Bool?
        /// Whether user routes answer 401 without an identity (default false).
        public var requireIdentityForUserRoutes: Bool

        /// Creates a configuration; every parameter has the documented default.
        public init(
            webhookPath: String = "/webhooks/vendo", healthPath: String = "/healthz",
            identityPath: String? = "/api/vendo/identity", metricsPath: String? = nil, telegramPath: String? = nil,
            telegramSecretToken: String? = nil, trustProxy: Bool? = nil, requireIdentityForUserRoutes: Bool = false
        ) {
            self.webhookPath = webhookPath
            self.healthPath = healthPath
            self.identityPath = identityPath
            self.metricsPath = metricsPath
            self.telegramPath = telegramPath
            self.telegramSecretToken = telegramSecretToken
            self.trustProxy = trustProxy
            self.requireIdentityForUserRoutes = requireIdentityForUserRoutes
        }
    }

    /// The configuration in force.
    public let configuration: Configuration
    fileprivate let receiver: WebhookReceiver
    fileprivate let telegram: TelegramWebhookResponder?
    fileprivate let identity: (any HTTPResponder)?
    fileprivate let user: (any HTTPResponder)?
    fileprivate let metrics: (any HTTPResponder)?

    /// Assembles the endpoint. Register the receiver's handlers first.
    /// - Parameters:
    ///   - userRoutes: your own routes (a `Router`, say), served behind ``SSOMiddleware``.
    ///   - environment: read for `VENDO_AUTH` and `TELEGRAM_SIGNING_SECRET`.
    /// - Throws: ``WebhookConfigurationError`` for a path that does not start
    ///   with `/`, two features on one path, or a Telegram path without a token.
    public init(
        receiver: WebhookReceiver, configuration: Configuration = Configuration(),
        userRoutes: (any HTTPResponder)? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let named: [(String, String?)] = [
            ("webhookPath", configuration.webhookPath), ("healthPath", configuration.healthPath),
            ("identityPath", configuration.identityPath), ("metricsPath", configuration.metricsPath),
            ("telegramPath", configuration.telegramPath),
        ]
        var seen: [String: String] = [:]
        for case let (name, path?) in named {
            guard path.hasPrefix("/"), !path.contains("?"), !path.contains(where: \.isWhitespace) else {
                throw WebhookConfigurationError("\(name) \"\(path)\" must be a path starting with \"/\", without query or spaces")
            }
            if let other = seen[path] {
                throw WebhookConfigurationError("\(name) and \(other) are both \"\(path)\": give each its own path")
            }
            seen[path] = name
        }
        let sso = SSOMiddleware(trustProxy: configuration.trustProxy, environment: environment)
        self.configuration = configuration
        self.receiver = receiver
        if configuration.telegramPath != nil {
            let token = configuration.telegramSecretToken ?? environment["TELEGRAM_SIGNING_SECRET"] ?? ""
            self.telegram = try receiver.telegramResponder(secretToken: token)
        } else {
            self.telegram = nil
        }
        self.identity = configuration.identityPath == nil ? nil : IdentityEndpoint().wrapped(in: sso)
        if let userRoutes {
            var wrapped = userRoutes
            if configuration.requireIdentityForUserRoutes { wrapped = wrapped.wrapped(in: RequireIdentityMiddleware()) }
            self.user = wrapped.wrapped(in: sso)
        } else {
            self.user = nil
        }
        self.metrics = configuration.metricsPath == nil ? nil : receiver.metrics.responder
    }

    /// The responder to hand to `HTTPServer(responder:)`.
    public func responder() -> any HTTPResponder {
        EndpointResponder(self)
    }

    private static let healthBody = Array(#"{"ok":true}"#.utf8)

    fileprivate static func health(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == .get || request.method == .head else {
            var headers = HTTPHeaders()
            headers.add(name: "Allow", value: "GET, HEAD")
            return ReceiverResponses.error(
                status: .methodNotAllowed, code: "method_not_allowed", message: "use GET for the health check",
                extraHeaders: headers)
        }
        return .json(healthBody)
    }
}

/// What ``WebhookEndpoint/responder()`` returns: the endpoint's parts, held by
/// a class so that every request's task carries one reference rather than
/// copies of the whole endpoint (the receiver and its configuration) in its
/// async frames.
private final class EndpointResponder: HTTPImmediateResponder {
    let webhookPath: String
    let healthPath: String
    let telegramPath: String?
    let metricsPath: String?
    let identityPath: String?
    let receiver: WebhookReceiver
    // Existentials: binding a large optional struct (the Telegram responder
    // holds a receiver) would put a copy of it in every request's frame.
    let telegram: (any HTTPResponder)?
    let metrics: (any HTTPResponder)?
    let identity: (any HTTPResponder)?
    let user: (any HTTPResponder)?

    init(_ endpoint: WebhookEndpoint) {
        webhookPath = endpoint.configuration.webhookPath
        healthPath = endpoint.configuration.healthPath
        telegramPath = endpoint.configuration.telegramPath
        metricsPath = endpoint.configuration.metricsPath
        identityPath = endpoint.configuration.identityPath
        receiver = endpoint.receiver
        telegram = endpoint.telegram
        metrics = endpoint.metrics
        identity = endpoint.identity
        user = endpoint.user
    }

    /// The webhook and health paths answer on the event loop when they can.
    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        let path = request.path
        if path == webhookPath { return receiver.respondImmediately(to: &request) }
        if path == healthPath { return WebhookEndpoint.health(request) }
        return nil
    }

    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        if request.path == webhookPath { return try await receiver.respond(to: request) }
        return try await respondElsewhere(request)
    }

    /// Every path but the webhook's. Kept out of `respond(to:)` so that the
    /// frame every delivery allocates holds none of this.
    @inline(never)
    private func respondElsewhere(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = request.path
        if path == healthPath { return WebhookEndpoint.health(request) }
        if let telegram, path == telegramPath { return try await telegram.respond(to: request) }
        if let metrics, path == metricsPath { return try await metrics.respond(to: request) }
        if let identity, path == identityPath { return try await identity.respond(to: request) }
        if let user { return try await user.respond(to: request) }
        return ReceiverResponses.error(status: .notFound, code: "not_found", message: "nothing is served at this path")
    }
}
