/// Something that does work for a delivery. Return to acknowledge it; throw to
/// have it redelivered (the receiver answers 503 and the sender retries).
///
/// Handlers may run more than once for one event (delivery is at least once,
/// and a failure of *another* handler on the same delivery makes every handler
/// run again on the retry): make them idempotent, keyed on
/// ``WebhookDelivery/dedupeKey``.
public protocol WebhookHandler: Sendable {
    /// Handles one verified delivery.
    func handle(_ delivery: WebhookDelivery) async throws
}

/// A handler run that did not succeed, as reported to `onError`.
public struct WebhookHandlerFailure: Error, Sendable, CustomStringConvertible {
    /// Why the run failed.
    public enum Reason: Sendable {
        /// The handler threw this error.
        case threw(any Error)
        /// The handler was still running after this long; it was cancelled.
        case timedOut(Duration)
    }

    /// The name the handler was registered with.
    public let handlerName: String
    /// Why it failed.
    public let reason: Reason

    /// Whether the handler ran out of time (rather than throwing).
    public var isTimeout: Bool {
        if case .timedOut = reason { return true }
        return false
    }

    /// A sentence for logs (may include the handler's error text: log it, don't send it).
    public var description: String {
        switch reason {
        case .threw(let error): return "handler \"\(handlerName)\" failed: \(error)"
        case .timedOut(let limit): return "handler \"\(handlerName)\" timed out after \(limit.seconds) s"
        }
    }
}

/// One registered handler.
struct HandlerRegistration: Sendable {
    /// What runs: a synchronous body is called directly (no task), an
    /// asynchronous one in a task of its own.
    enum Body: Sendable {
        case sync(@Sendable (WebhookDelivery) throws -> Void)
        case async(@Sendable (WebhookDelivery) async throws -> Void)
    }

    let pattern: EventPattern
    let name: String
    let timeout: Duration?
    let body: Body
}

/// The handlers of a receiver, in registration order.
struct HandlerRegistry: Sendable {
    private(set) var registrations: [HandlerRegistration] = []
    private(set) var errorObservers: [@Sendable (WebhookDelivery, WebhookHandlerFailure) async -> Void] = []

    mutating func add(
        _ pattern: EventPattern, name: String?, timeout: Duration?,
        _ body: @escaping @Sendable (WebhookDelivery) async throws -> Void
    ) {
        add(pattern, name: name, timeout: timeout, body: .async(body))
    }

    mutating func add(_ pattern: EventPattern, name: String?, timeout: Duration?, body: HandlerRegistration.Body) {
        let name = name ?? "\(pattern)#\(registrations.count + 1)"
        registrations.append(HandlerRegistration(pattern: pattern, name: name, timeout: timeout, body: body))
    }

    mutating func addErrorObserver(_ observer: @escaping @Sendable (WebhookDelivery, WebhookHandlerFailure) async -> Void) {
        errorObservers.append(observer)
    }

    /// Whether any handler matches `eventType`.
    func hasHandler(for eventType: String) -> Bool {
        registrations.contains { $0.pattern.matches(eventType) }
    }

    /// Names of the handlers a delivery of `eventType` goes to, in registration order.
    func names(matching eventType: String) -> [String] {
        registrations.filter { $0.pattern.matches(eventType) }.map(\.name)
    }
}
