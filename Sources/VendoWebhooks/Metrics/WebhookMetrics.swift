import Synchronization
import VendoHTTPServer

/// How a request to a webhook path ended: the `outcome` label of the metrics
/// and the `webhook.outcome` log metadata.
public enum WebhookOutcome: String, Sendable, CaseIterable {
    /// Verified, every matching handler succeeded (or none matched): 200.
    case ok
    /// Already handled within the dedupe window: 200 with `"duplicate":true`.
    case duplicate
    /// Verification failed (signature, timestamp, headers, JSON): 400.
    case invalid
    /// The body exceeded the configured maximum: 413.
    case tooLarge = "too_large"
    /// A handler threw: 503.
    case handlerFailed = "handler_failed"
    /// A handler ran past its timeout: 503.
    case handlerTimeout = "handler_timeout"
    /// The direct Telegram path got a missing or wrong secret token: 401.
    case unauthorized
    /// A method other than POST: 405.
    case methodNotAllowed = "method_not_allowed"
}

/// Delivery counters and a handler latency histogram, rendered as Prometheus text.
///
/// Hand-written and tiny on purpose. Each outcome is one atomic counter, so a
/// delivery costs one atomic add (a lock and an array, shared by every
/// thread, cost two atomics and a second cache line); the histogram keeps a
/// lock, taken once per handler run. Serve it with ``responder`` on an
/// opt-in path (the endpoint's `metricsPath`).
public final class WebhookMetrics: Sendable {
    /// Upper bounds (seconds) of the handler latency buckets; `+Inf` is implied.
    public static let latencyBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct State {
        var buckets = [Int](repeating: 0, count: WebhookMetrics.latencyBuckets.count)
        var latencyCount = 0
        var latencySum = 0.0
    }

    private let state = Mutex(State())
    // One counter per outcome (Atomic is ~Copyable, so not an array).
    private let ok = Atomic<Int>(0)
    private let duplicate = Atomic<Int>(0)
    private let invalid = Atomic<Int>(0)
    private let tooLarge = Atomic<Int>(0)
    private let handlerFailed = Atomic<Int>(0)
    private let handlerTimeout = Atomic<Int>(0)
    private let unauthorized = Atomic<Int>(0)
    private let methodNotAllowed = Atomic<Int>(0)

    /// Creates empty metrics.
    public init() {}

    /// Counts one request that ended with `outcome`.
    public func record(_ outcome: WebhookOutcome) {
        switch outcome {
        case .ok: ok.wrappingAdd(1, ordering: .relaxed)
        case .duplicate: duplicate.wrappingAdd(1, ordering: .relaxed)
        case .invalid: invalid.wrappingAdd(1, ordering: .relaxed)
        case .tooLarge: tooLarge.wrappingAdd(1, ordering: .relaxed)
        case .handlerFailed: handlerFailed.wrappingAdd(1, ordering: .relaxed)
        case .handlerTimeout: handlerTimeout.wrappingAdd(1, ordering: .relaxed)
        case .unauthorized: unauthorized.wrappingAdd(1, ordering: .relaxed)
        case .methodNotAllowed: methodNotAllowed.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Adds one handler run that took `seconds` to the histogram.
    public func observeHandler(seconds: Double) {
        // Buckets are stored non-cumulative; rendering accumulates them.
        let bucket = Self.latencyBuckets.firstIndex(where: { seconds <= $0 })
        state.withLock { state in
            if let bucket { state.buckets[bucket] += 1 }
            state.latencyCount += 1
            state.latencySum += seconds
        }
    }

    /// How many requests ended with `outcome` so far.
    public func count(_ outcome: WebhookOutcome) -> Int {
        switch outcome {
        case .ok: ok.load(ordering: .relaxed)
        case .duplicate: duplicate.load(ordering: .relaxed)
        case .invalid: invalid.load(ordering: .relaxed)
        case .tooLarge: tooLarge.load(ordering: .relaxed)
        case .handlerFailed: handlerFailed.load(ordering: .relaxed)
        case .handlerTimeout: handlerTimeout.load(ordering: .relaxed)
        case .unauthorized: unauthorized.load(ordering: .relaxed)
        case .methodNotAllowed: methodNotAllowed.load(ordering: .relaxed)
        }
    }

    /// How many handler runs the histogram holds.
    public var handlerRuns: Int { state.withLock { $0.latencyCount } }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    public func prometheusText() -> String {
        let snapshot = state.withLock { $0 }
        var text = """
            # HELP vendo_webhook_deliveries_total Webhook requests by outcome.
            # TYPE vendo_webhook_deliveries_total counter

            """
        for outcome in WebhookOutcome.allCases {
            text += "vendo_webhook_deliveries_total{outcome=\"\(outcome.rawValue)\"} \(count(outcome))\n"
        }
        text += """
            # HELP vendo_webhook_handler_duration_seconds Time each handler run took.
            # TYPE vendo_webhook_handler_duration_seconds histogram

            """
        var cumulative = 0
        for (index, bound) in Self.latencyBuckets.enumerated() {
            cumulative += snapshot.buckets[index]
            text += "vendo_webhook_handler_duration_seconds_bucket{le=\"\(Self.format(bound))\"} \(cumulative)\n"
        }
        text += "vendo_webhook_handler_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyCount)\n"
        text += "vendo_webhook_handler_duration_seconds_sum \(Self.format(snapshot.latencySum))\n"
        text += "vendo_webhook_handler_duration_seconds_count \(snapshot.latencyCount)\n"
        return text
    }

    /// Serves ``prometheusText()`` to GET (and HEAD) with the Prometheus content type.
    public var responder: any HTTPResponder {
        ClosureResponder { [self] request in
            guard request.method == .get || request.method == .head else {
                var headers = HTTPHeaders()
                headers.add(name: "Allow", value: "GET, HEAD")
                return ReceiverResponses.error(
                    status: .methodNotAllowed, code: "method_not_allowed",
                    message: "use GET to read the metrics", extraHeaders: headers)
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            return HTTPResponse(status: .ok, headers: headers, body: .string(self.prometheusText()))
        }
    }

    /// Formats a number the way Prometheus expects (`0.005`, `1`, `30`, `0.25`).
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
