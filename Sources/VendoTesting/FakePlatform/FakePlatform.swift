import Foundation
import Vendo
import VendoHTTPServer

/// A fake Vendo platform on 127.0.0.1: a real HTTP server that speaks the
/// protocol, for testing code that uses the SDK without the internet.
///
/// One server plays every service, each under its own prefix:
///
/// | service | base URL | endpoints |
/// |---|---|---|
/// | platform | ``baseURL`` | `/api/deployments/me/connections`, `/api/integrations[/{slug}]`, `/api/billing/{balance,spend-caps,usage}` |
/// | credentials | ``credentialsURL`` (`/credentials`) | `/{slug}`, `/_bulk?slugs=…` |
/// | data proxy | ``dataProxyURL`` (`/data-proxy`) | `POST /v1/execute` |
/// | events | ``baseURL`` | `GET /api/deployments/me/events`: a live stream from ``eventStream`` |
/// | a provider | ``providerURL`` (`/provider`) | any path: 200 with the `Authorization` it got, 401 unless it is ``setProviderToken(_:)``'s |
///
/// It records every request (``requests``), and scripted failures replace
/// normal answers (``inject(_:into:times:)``): error codes in the header or the
/// body, N×5xx then success, slow answers, malformed JSON. ``pause(_:)`` holds
/// a route's requests until ``resume(_:)``, to test concurrent callers.
///
/// ```swift
/// let platform = try FakePlatform.start()
/// defer { Task { await platform.stop() } }
/// platform.setToken("slack", "xoxb-1")
/// let vendo = try platform.client()
/// #expect(try await vendo.token("slack") == "xoxb-1")
/// ```
///
/// Platform and credentials endpoints need `Authorization: Bearer <key>`
/// (any key, or one of ``acceptAPIKeys(_:)``), else 401 `app_unknown`;
/// `/api/integrations` is public. A request with `X-Vendo-User-JWT` sees that
/// user's tokens and connections (set with `forUser:`).
public final class FakePlatform: Sendable {
    /// The key ``client(apiKey:env:retryPolicy:timeout:transport:)`` uses unless told otherwise.
    public static let defaultAPIKey = "vendo_sk_fake_platform"

    let state = FakePlatformState()
    private let server: HTTPServer

    /// The live event stream behind `GET /api/deployments/me/events`.
    ///
    /// The platform checks the API key (and records the request, with its
    /// `X-Vendo-User-JWT`, under ``FakeRoute/events``) before handing it over;
    /// ``inject(_:into:times:)``, ``pause(_:)`` and latency apply as on any route.
    /// Then the stream is open: ``FakeEventStream/publish(type:data:id:)`` sends
    /// to every subscriber and keeps the event for `Last-Event-ID` replay, and
    /// ``FakeEventStream/dropConnections()``, ``FakeEventStream/endStreams()``
    /// and ``FakeEventStream/update(_:)`` script the server's side.
    ///
    /// ```swift
    /// let events = try vendo.events.subscribe()
    /// _ = await platform.eventStream.wait { $0.openStreams == 1 }
    /// platform.eventStream.publish(type: "connection.connected", data: ["slug": "slack"])
    /// ```
    public let eventStream = FakeEventStream()

    private init(server: HTTPServer) {
        self.server = server
    }

    /// Starts a fake platform on an ephemeral port of 127.0.0.1.
    ///
    /// - Throws: the server's error when it cannot bind.
    public static func start() throws -> FakePlatform {
        let box = ResponderBox()
        // Long idle timeout: URLSession reuses connections and must not race the server closing them.
        let configuration = HTTPServer.Configuration(
            host: "127.0.0.1", port: 0,
            timeouts: HTTPServer.Configuration.Timeouts(idle: .seconds(120)))
        let server = HTTPServer(configuration: configuration, responder: ClosureResponder { request in
            try await box.platform?.respond(to: request) ?? HTTPResponse(status: .serviceUnavailable)
        })
        let platform = FakePlatform(server: server)
        box.platform = platform
        try server.start()
        return platform
    }

    /// Stops the server: open event streams end, then in-flight requests finish.
    public func stop() async {
        state.withLock { $0.stopping = true }
        resumeAll()
        eventStream.endStreams()
        await server.shutdown()
    }

    /// The bound port.
    public var port: Int { server.port }

    /// The platform API base, e.g. `http://127.0.0.1:54321`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    /// The credentials service base: ``baseURL`` + `/credentials`.
    public var credentialsURL: URL { baseURL.appendingPathComponent("credentials") }
    /// The data proxy base: ``baseURL`` + `/data-proxy`.
    public var dataProxyURL: URL { baseURL.appendingPathComponent("data-proxy") }
    /// A stand-in provider API: ``baseURL`` + `/provider`.
    public var providerURL: URL { baseURL.appendingPathComponent("provider") }

    /// The environment variables that point an SDK at this platform (`VENDO_BASE_URL`, `VENDO_CREDENTIALS_URL`,
    /// `VENDO_DATA_PROXY_URL`), plus `VENDO_API_KEY` when `apiKey` is given.
    public func environment(apiKey: String? = FakePlatform.defaultAPIKey) -> [String: String] {
        var env = [
            "VENDO_BASE_URL": baseURL.absoluteString, "VENDO_CREDENTIALS_URL": credentialsURL.absoluteString,
            "VENDO_DATA_PROXY_URL": dataProxyURL.absoluteString,
        ]
        if let apiKey { env["VENDO_API_KEY"] = apiKey }
        return env
    }

    /// A client wired to this platform through the real URLSession transport (unless `transport` is given).
    ///
    /// - Parameters:
    ///   - apiKey: the deployment key; `nil` makes an OSS-mode client.
    ///   - env: extra environment (token overrides, BYOK variables); the platform's URLs are added.
    ///   - retryPolicy: default: 3 attempts with millisecond backoffs, so tests stay fast.
    ///   - timeout: per-request timeout.
    ///   - transport: another transport, if wanted.
    public func client(
        apiKey: String? = FakePlatform.defaultAPIKey, env: [String: String] = [:],
        retryPolicy: RetryPolicy = RetryPolicy(initialBackoff: 0.001, maxBackoff: 0.01),
        timeout: TimeInterval = 30, transport: (any HTTPTransport)? = nil
    ) throws -> Vendo {
        var environment = env
        environment.merge(self.environment(apiKey: nil)) { mine, _ in mine }
        return try Vendo(
            apiKey: apiKey ?? "", env: environment, transport: transport, retryPolicy: retryPolicy, timeout: timeout)
    }

    // MARK: State

    /// Serves `token` for `slug` (to the deployment, or to the user with JWT `forUser`).
    /// `expiresAt` is sent as `expires_at` (RFC 3339) or `null`.
    public func setToken(_ slug: String, _ token: String, expiresAt: String? = nil, forUser userJWT: String? = nil) {
        state.withLock {
            $0.tokens[.init(userJWT: userJWT, slug: slug)] = .init(token: token, expiresAt: expiresAt)
        }
    }

    /// Stops serving a token: the slug then answers 404 `binding_missing`.
    public func removeToken(_ slug: String, forUser userJWT: String? = nil) {
        _ = state.withLock { $0.tokens.removeValue(forKey: .init(userJWT: userJWT, slug: slug)) }
    }

    /// The connections list (for the deployment, or for one user).
    public func setConnections(_ connections: [Connection], forUser userJWT: String? = nil) {
        state.withLock { $0.connections[userJWT] = connections }
    }

    /// The integration catalogue; `bareArray` answers `[…]` instead of `{"integrations": […]}`.
    public func setIntegrations(_ integrations: [Integration], bareArray: Bool = false) {
        state.withLock {
            $0.integrations = integrations
            $0.integrationsAsBareArray = bareArray
        }
    }

    /// The balance `billing/balance` answers.
    public func setBalance(_ balance: Balance) { state.withLock { $0.balance = balance } }

    /// The caps `billing/spend-caps` answers.
    public func setSpendCaps(_ caps: SpendCaps) { state.withLock { $0.spendCaps = caps } }

    /// The raw JSON `billing/usage?period=<period>` answers (default `{"period": <period>, "items": []}`).
    public func setUsage(_ usage: JSONValue, period: BillingPeriod) {
        state.withLock { $0.usage[period.rawValue] = usage }
    }

    /// What `execute` answers for `action`: `{"data": result}`.
    public func setAction(_ action: String, result: JSONValue) {
        state.withLock {
            $0.actionResults[action] = result
            $0.actions[action] = nil
        }
    }

    /// What `execute` answers for `action`: any scripted response. Unknown actions
    /// answer 400 `{"error": "Action <id> not found"}`.
    public func setAction(_ action: String, response: FakeFailure) {
        state.withLock {
            $0.actions[action] = response
            $0.actionResults[action] = nil
        }
    }

    /// Only these keys authenticate; others get 401 `app_unknown`. `nil` accepts any key.
    public func acceptAPIKeys(_ keys: Set<String>?) { state.withLock { $0.acceptedAPIKeys = keys } }

    /// The token the stand-in provider accepts; other bearers get 401.
    public func setProviderToken(_ token: String?) { state.withLock { $0.providerToken = token } }

    // MARK: Failures and timing

    /// Makes the next `times` requests to `route` answer `failure` instead (queued after earlier injections).
    public func inject(_ failure: FakeFailure, into route: FakeRoute, times: Int = 1) {
        state.withLock { $0.failures[route, default: []].append(contentsOf: Array(repeating: failure, count: max(0, times))) }
    }

    /// Delays every answer of `route` by `seconds` (0 removes it).
    public func setLatency(_ seconds: TimeInterval, for route: FakeRoute) {
        state.withLock { $0.latency[route] = seconds > 0 ? seconds : nil }
    }

    /// Holds requests to `route` (after recording them) until ``resume(_:)``.
    public func pause(_ route: FakeRoute) { _ = state.withLock { $0.paused.insert(route) } }

    /// Lets held requests of `route` proceed.
    public func resume(_ route: FakeRoute) { state.resume(route) }

    private func resumeAll() {
        for route in FakeRoute.allCases { state.resume(route) }
    }

    // MARK: Recording

    /// Every request so far, in arrival order.
    public var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// The requests that hit `route`.
    public func requests(to route: FakeRoute) -> [RecordedRequest] {
        state.withLock { $0.requests.filter { $0.route == route } }
    }

    /// Returns once at least `count` requests (to `route`, or to any route) have arrived.
    public func waitForRequests(_ count: Int, to route: FakeRoute? = nil) async {
        await state.waitForRequests(count: count, route: route)
    }

    /// Forgets the recorded requests (state and injections stay).
    public func clearRequests() { state.withLock { $0.requests.removeAll() } }
}

/// Lets the responder closure reach the platform created after the server.
private final class ResponderBox: @unchecked Sendable {
    private let lock = NSLock()
    private weak var stored: FakePlatform?

    var platform: FakePlatform? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
