#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Logging
import VendoCore
import VendoHTTPServer

/// Receives Vendo's signed webhook deliveries: verify → dedupe → dispatch.
///
/// Mount it for `POST /webhooks/vendo` (``WebhookEndpoint`` does). For each request:
/// 1. anything but POST ⇒ 405 with `Allow: POST`;
/// 2. the body is collected up to ``Configuration/maxBodySize`` ⇒ 413 beyond;
/// 3. `Vendo-Signature` and `Vendo-Timestamp` are checked against the raw
///    bytes with the SDK's `WebhooksAPI`, then the body must be JSON ⇒ 400
///    `validation_failed` naming the failed check;
/// 4. the delivery's key is claimed in the ``DedupeWindow`` ⇒ already handled:
///    200 `{"ok":true,"duplicate":true,…}` and no handler runs;
/// 5. every handler whose pattern matches the event type runs: each starts
///    in turn and runs until it returns or first suspends, then the suspended
///    ones go on concurrently, each under its timeout (a synchronous handler
///    cannot be interrupted and takes none). All succeeded (or none matched) ⇒ 200
///    `{"ok":true,"id":…}` and the key is remembered; any failure or timeout
///    ⇒ `onError` observers are told, the key is not remembered, and the
///    answer is 503 `handler_failed` with `Retry-After`, so the sender retries.
///
/// Register handlers before handing the receiver to a server: it is a value,
/// and copies made earlier (a Telegram responder, an endpoint) do not see
/// later registrations.
public struct WebhookReceiver: HTTPImmediateResponder {
    /// The limits in force.
    public let configuration: Configuration
    /// Counters and latency histogram, shared by every copy of this receiver.
    public let metrics: WebhookMetrics
    /// The memory of handled deliveries, shared by every copy of this receiver.
    public let dedupe: DedupeWindow
    /// The signature's maximum age, in seconds.
    public let maxAgeSeconds: Int

    let signatureCheck: SignatureCheck
    let logger: Logger
    /// Whether `logger` takes the per-delivery debug line, read once (asking
    /// the logger copies its handler); the logger is a value, fixed at init.
    let logsDeliveries: Bool
    private(set) var registry = HandlerRegistry()

    /// A receiver that verifies with the given secrets (several: key rotation).
    /// - Throws: ``WebhookConfigurationError`` when no non-empty secret is given
    ///   or a configuration value is out of range.
    public init(
        secrets: [String], maxAgeSeconds: Int = 300, configuration: Configuration = Configuration(),
        metrics: WebhookMetrics? = nil, logger: Logger = Logger(label: "vendo.webhooks")
    ) throws {
        let usable = secrets.map { $0.trimmedWhitespace }.filter { !$0.isEmpty }
        guard !usable.isEmpty else {
            throw WebhookConfigurationError(
                "no webhook secret: pass at least one non-empty secret (Vendo sets VENDO_WEBHOOK_SECRET on every deployment)")
        }
        try self.init(
            check: SignatureCheck(secrets: usable, maxAgeSeconds: maxAgeSeconds), maxAgeSeconds: maxAgeSeconds,
            configuration: configuration, metrics: metrics, logger: logger)
    }

    /// A receiver whose secrets come from `VENDO_WEBHOOK_SECRET` (comma-separated for rotation).
    /// - Throws: ``WebhookConfigurationError`` when the variable is unset or empty.
    public init(
        environment env: [String: String] = ProcessInfo.processInfo.environment, maxAgeSeconds: Int = 300,
        configuration: Configuration = Configuration(), metrics: WebhookMetrics? = nil,
        logger: Logger = Logger(label: "vendo.webhooks")
    ) throws {
        let secrets = (env["VENDO_WEBHOOK_SECRET"] ?? "").split(separator: ",").map(String.init)
        guard secrets.contains(where: { !$0.trimmedWhitespace.isEmpty }) else {
            throw WebhookConfigurationError(
                "VENDO_WEBHOOK_SECRET is not set: set it to the deployment's webhook secret (whsec_…), several separated by commas")
        }
        try self.init(
            secrets: secrets, maxAgeSeconds: maxAgeSeconds, configuration: configuration, metrics: metrics,
            logger: logger)
    }

    /// A receiver that verifies with an SDK verifier you configured yourself
    /// (its secrets, max age and clock are used as they are).
    /// - Parameter maxAgeSeconds: the verifier's max age, used for the default dedupe window.
    public init(
        webhooks: WebhooksAPI, maxAgeSeconds: Int = 300, configuration: Configuration = Configuration(),
        metrics: WebhookMetrics? = nil, logger: Logger = Logger(label: "vendo.webhooks")
    ) throws {
        guard webhooks.isConfigured else {
            throw WebhookConfigurationError(
                "the WebhooksAPI has no secret: create it with a secret or set VENDO_WEBHOOK_SECRET")
        }
        try self.init(
            check: SignatureCheck(webhooks: webhooks), maxAgeSeconds: maxAgeSeconds, configuration: configuration,
            metrics: metrics, logger: logger)
    }

    private init(
        check: SignatureCheck, maxAgeSeconds: Int, configuration: Configuration, metrics: WebhookMetrics?,
        logger: Logger
    ) throws {
        try configuration.validate(maxAgeSeconds: maxAgeSeconds)
        self.signatureCheck = check
        self.maxAgeSeconds = maxAgeSeconds
        self.configuration = configuration
        self.metrics = metrics ?? WebhookMetrics()
        self.dedupe = DedupeWindow(
            capacity: configuration.dedupeCapacity,
            window: configuration.dedupeWindow ?? .seconds(2 * maxAgeSeconds))
        self.logger = logger
        self.logsDeliveries = logger.logLevel <= .debug
    }

    // MARK: Registration

    /// Runs `body` for deliveries whose type matches `pattern`.
    ///
    /// It starts (in a task of its own, `Task.immediate`) on the server's
    /// event-loop thread and runs there until it first suspends; if it never
    /// does, the delivery is answered right after, with no task for the
    /// request. Await slow work (I/O, a queue) rather than blocking: until the
    /// first `await`, other requests on that loop wait.
    /// - Parameters:
    ///   - name: shown in logs and `onError` (default `<pattern>#<n>`).
    ///   - timeout: overrides ``Configuration/handlerTimeout`` for this handler.
    public mutating func on(
        _ pattern: EventPattern, name: String? = nil, timeout: Duration? = nil,
        _ body: @escaping @Sendable (WebhookDelivery) async throws -> Void
    ) {
        registry.add(pattern, name: name, timeout: timeout, body)
    }

    /// Runs the synchronous `body` for deliveries whose type matches
    /// `pattern`: a closure without `await` (count, record, enqueue) lands
    /// here. It is called directly on the event-loop thread, with no task:
    /// the cheapest way to handle a delivery. Keep it short; nothing can
    /// interrupt it, so it takes no timeout.
    /// - Parameter name: shown in logs and `onError` (default `<pattern>#<n>`).
    public mutating func on(
        _ pattern: EventPattern, name: String? = nil,
        _ body: @escaping @Sendable (WebhookDelivery) throws -> Void
    ) {
        registry.add(pattern, name: name, timeout: nil, body: .sync(body))
    }

    /// Runs `handler` for deliveries whose type matches `pattern`.
    public mutating func on(
        _ pattern: EventPattern, name: String? = nil, timeout: Duration? = nil, handler: any WebhookHandler
    ) {
        registry.add(pattern, name: name, timeout: timeout) { try await handler.handle($0) }
    }

    /// Runs `body` for every delivery (the pattern `*`).
    public mutating func onAny(
        name: String? = nil, timeout: Duration? = nil,
        _ body: @escaping @Sendable (WebhookDelivery) async throws -> Void
    ) {
        registry.add(.any, name: name, timeout: timeout, body)
    }

    /// Runs the synchronous `body` for every delivery (the pattern `*`),
    /// directly on the event-loop thread, like the synchronous `on`.
    public mutating func onAny(name: String? = nil, _ body: @escaping @Sendable (WebhookDelivery) throws -> Void) {
        registry.add(.any, name: name, timeout: nil, body: .sync(body))
    }

    /// Runs `handler` for every delivery (the pattern `*`).
    public mutating func onAny(name: String? = nil, timeout: Duration? = nil, handler: any WebhookHandler) {
        registry.add(.any, name: name, timeout: timeout) { try await handler.handle($0) }
    }

    /// Tells `observer` about each failed handler run, with its delivery, before
    /// the 503 is sent. Keep it quick: the response waits for it.
    public mutating func onError(_ observer: @escaping @Sendable (WebhookDelivery, WebhookHandlerFailure) async -> Void) {
        registry.addErrorObserver(observer)
    }

    /// Names of the handlers a delivery of `eventType` would run, in registration order.
    public func handlerNames(matching eventType: String) -> [String] {
        registry.names(matching: eventType)
    }

    // MARK: Serving

    /// Handles one request to the webhook path (see the type's description).
    @inline(never)  // inlined, callers' async frames would hold a copy of the receiver
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        if let admitted = request.userInfo[AdmittedDeliveryKey.self] {
            // respondImmediately verified it already (and may hold its claim
            // and have started its handlers).
            return await answer(admitted)
        }
        // Most deliveries are decided without waiting: the body came with the
        // head, and no handler has to run (a duplicate, or none matches). That
        // work is synchronous, so its many locals stay off the task's async
        // frames; only a delivery that must wait is carried further, boxed.
        guard let decision = admit(request) else { return try await respondAfterReadingBody(request) }
        switch decision {
        case .answered(let response): return response
        case .mustWait(let admitted): return await answer(admitted)
        }
    }

    /// Answers on the server's event loop when no handler has to wait: a
    /// body already in memory that fails verification, a duplicate, a
    /// delivery no handler matches, or one whose handlers all succeeded
    /// without suspending (they run on this thread until they first suspend).
    /// Otherwise `nil`, and the verified delivery (with its running handlers)
    /// travels in `request.userInfo` to ``respond(to:)``, which the server
    /// calls next (so nothing is verified or run twice).
    ///
    /// After a `nil`, call ``respond(to:)`` with the same request, as
    /// `HTTPImmediateResponder` requires: the delivery's dedupe claim is held
    /// for it. A request dropped instead does not leave the id claimed (its
    /// redeliveries would wait): once its handlers are done, the claim is
    /// finished as they ended, with no response to send.
    public func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        switch admit(request) {
        case .answered(let response)?:
            return response
        case nil:
            return nil  // the body still streams: respond(to:) reads it
        case .mustWait(let admitted)?:
            request.userInfo[AdmittedDeliveryKey.self] = admitted
            return nil
        }
    }

    /// A verified delivery that must wait: for its handlers, or for another
    /// delivery of its key.
    struct AdmittedDelivery: Sendable {
        let delivery: WebhookDelivery
        /// Its started handlers and its dedupe claim, when the claim is taken
        /// (then it must be finished); `nil` when the claim is still to take.
        var handover: ClaimHandover? = nil
    }

    enum AdmittedDeliveryKey: RequestUserInfoKey {
        typealias Value = AdmittedDelivery
    }

    /// What is decided about a delivery without waiting.
    enum Decision {
        /// The response, complete.
        case answered(HTTPResponse)
        /// Handlers still run, or another delivery of the key is in flight.
        indirect case mustWait(AdmittedDelivery)
    }

    /// The decision, or `nil` while the body still streams from the client.
    @inline(never)  // keeps its locals out of the callers' async frames
    func admit(_ request: HTTPRequest) -> Decision? {
        guard request.method == .post else {
            metrics.record(.methodNotAllowed)
            return .answered(ReceiverResponses.methodNotAllowed())
        }
        guard let body = request.body.bufferedBytes, body.count <= configuration.maxBodySize else {
            return nil
        }
        return admit(request, body: body)
    }

    @inline(never)
    func admit(_ request: HTTPRequest, body: [UInt8]) -> Decision {
        // One pass over the headers serves both the verifier and the delivery.
        let scan = Self.scanHeaders(request.headers)
        let verified: SignatureCheck.Verified
        switch signatureCheck.verify(signature: scan.signature, timestamp: scan.timestamp, body: body) {
        case .success(let value): verified = value
        case .failure(let rejection): return .answered(rejectInvalid(rejection.message))
        }
        let name = self.name(of: verified, body: body, scan: scan)
        let key = dedupe.hashed(name.dedupeKey)  // the index hash, computed once for the claim and the finish
        let hasHandler = registry.hasHandler(for: name.type)
        if !hasHandler {
            // Nothing to run: claimed and remembered in one step.
            switch dedupe.claimHandled(key) {
            case .duplicate?:
                finishLog(id: name.id, type: name.type, .duplicate)
                return .answered(ReceiverResponses.duplicate(id: name.id))
            case .run?:
                finishLog(id: name.id, type: name.type, .ok)
                return .answered(ReceiverResponses.ok(id: name.id))
            case nil:
                break  // in flight elsewhere: wait for its outcome below
            }
        }
        switch dedupe.claimWithoutWaiting(key) {
        case .duplicate?:
            finishLog(id: name.id, type: name.type, .duplicate)
            return .answered(ReceiverResponses.duplicate(id: name.id))
        case .run? where !hasHandler:
            // No handler, and the delivery in flight a moment ago failed since.
            dedupe.finish(key, succeeded: true)
            finishLog(id: name.id, type: name.type, .ok)
            return .answered(ReceiverResponses.ok(id: name.id))
        case .run?:
            let delivery = makeDelivery(verified, body: body, scan: scan, name: name, headers: request.headers)
            let run = HandlerRunner.start(
                delivery, registry: registry, defaultTimeout: configuration.handlerTimeout, metrics: metrics)
            if let failures = run.finishedFailures(), failures.isEmpty {
                // Every handler succeeded without suspending: answer now, with
                // no task. A failure goes the async way, for the `onError` observers.
                dedupe.finish(key, succeeded: true)
                finishLog(id: name.id, type: name.type, .ok)
                return .answered(ReceiverResponses.ok(id: name.id))
            }
            return .mustWait(AdmittedDelivery(
                delivery: delivery, handover: ClaimHandover(run: run, key: key, dedupe: dedupe)))
        case nil:
            // Another delivery of the key is in flight: wait for its outcome.
            let delivery = makeDelivery(verified, body: body, scan: scan, name: name, headers: request.headers)
            return .mustWait(AdmittedDelivery(delivery: delivery))
        }
    }

    @inline(never)  // the rare path: its frame is allocated only when taken
    private func respondAfterReadingBody(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard let body = try await collectBody(request) else {
            return ReceiverResponses.payloadTooLarge(limit: configuration.maxBodySize)
        }
        switch admit(request, body: body) {
        case .answered(let response): return response
        case .mustWait(let admitted): return await answer(admitted)
        }
    }

    /// Dedupe and dispatch of an already verified delivery: what `respond(to:)`
    /// does after verification. Records metrics and logs, but builds no response.
    public func dispatch(_ delivery: WebhookDelivery) async -> DispatchResult {
        await dispatch(delivery, run: nil)
    }

    /// `run`: the delivery's handlers, already started under its claim.
    func dispatch(_ delivery: WebhookDelivery, run: HandlerRun?) async -> DispatchResult {
        if run == nil {
            guard await dedupe.claim(delivery.dedupeKey) == .run else {
                finishLog(delivery, .duplicate)
                return .duplicate
            }
        }
        let failures: [WebhookHandlerFailure]
        if let run {
            failures = await run.failures()
        } else if registry.hasHandler(for: delivery.type) {
            failures = await HandlerRunner.run(
                delivery, registry: registry, defaultTimeout: configuration.handlerTimeout, metrics: metrics)
        } else {
            failures = []
        }
        dedupe.finish(delivery.dedupeKey, succeeded: failures.isEmpty)
        guard failures.isEmpty else {
            for failure in failures {
                logger.info(
                    "webhook handler failed",
                    metadata: [
                        "webhook.event_id": "\(delivery.id)", "webhook.event_type": "\(delivery.type)",
                        "webhook.handler": "\(failure.handlerName)", "webhook.error": "\(failure)",
                    ])
                for observer in registry.errorObservers { await observer(delivery, failure) }
            }
            finishLog(delivery, failures.contains(where: \.isTimeout) ? .handlerTimeout : .handlerFailed)
            return .failed(failures)
        }
        finishLog(delivery, .ok)
        return .handled
    }

    /// Turns a dispatch result into the response the sender expects.
    func answer(_ delivery: WebhookDelivery) async -> HTTPResponse {
        await answer(AdmittedDelivery(delivery: delivery))
    }

    @inline(never)
    private func answer(_ admitted: AdmittedDelivery) async -> HTTPResponse {
        let delivery = admitted.delivery
        switch await dispatch(delivery, run: admitted.handover?.takeOver()) {
        case .handled: return ReceiverResponses.ok(id: delivery.id)
        case .duplicate: return ReceiverResponses.duplicate(id: delivery.id)
        case .failed: return ReceiverResponses.handlerFailed(retryAfterSeconds: configuration.retryAfterSeconds)
        }
    }

    /// The body, or `nil` when it is over the limit (already counted and logged).
    func collectBody(_ request: HTTPRequest) async throws -> [UInt8]? {
        do {
            // Refuses a declared Content-Length over the limit before reading anything.
            return try await request.body.collect(upTo: configuration.maxBodySize)
        } catch let error as HTTPError where error.status == .payloadTooLarge {
            recordTooLarge()
            return nil
        }
    }

    private func recordTooLarge() {
        metrics.record(.tooLarge)
        logger.info(
            "webhook rejected: body too large",
            metadata: ["webhook.outcome": "\(WebhookOutcome.tooLarge.rawValue)", "webhook.limit": "\(configuration.maxBodySize)"])
    }

    func rejectInvalid(_ reason: String) -> HTTPResponse {
        metrics.record(.invalid)
        logger.info(
            "webhook rejected: verification failed",
            metadata: ["webhook.outcome": "\(WebhookOutcome.invalid.rawValue)", "webhook.reason": "\(reason)"])
        return ReceiverResponses.validationFailed(reason)
    }

    private func finishLog(_ delivery: WebhookDelivery, _ outcome: WebhookOutcome) {
        finishLog(id: delivery.id, type: delivery.type, outcome)
    }

    private func finishLog(id: String, type: String, _ outcome: WebhookOutcome) {
        metrics.record(outcome)
        guard logsDeliveries else { return }
        logger.debug(
            "webhook delivery",
            metadata: [
                "webhook.event_id": "\(id)", "webhook.event_type": "\(type)",
                "webhook.outcome": "\(outcome.rawValue)",
            ])
    }

    // MARK: Building deliveries

    /// What one pass over the request headers finds for verifying and naming
    /// a delivery.
    struct HeaderScan {
        /// The `Vendo-Signature` and `Vendo-Timestamp` fields, counted (the
        /// verifier refuses repeats, so none may be dropped here).
        var signature = HeaderLookup.Found.missing
        var timestamp = HeaderLookup.Found.missing
        /// The first `X-Vendo-Provider`, normalised.
        var provider: String?
        /// The first `X-Vendo-Connection-Id`, trimmed.
        var connectionID: String?
    }

    /// One pass over the header bytes instead of a case-insensitive lookup per
    /// name; a `String` is made only for the four fields it wants.
    static func scanHeaders(_ headers: HTTPHeaders) -> HeaderScan {
        var scan = HeaderScan()
        var sawProvider = false
        var sawConnection = false
        headers.forEachFieldBytes { name, value in
            switch DeliveryHeaderField(name: name) {
            case .timestamp?: scan.timestamp.add(HeaderLookup.trimmedString(value))
            case .signature?: scan.signature.add(HeaderLookup.trimmedString(value))
            case .provider? where !sawProvider:
                sawProvider = true
                scan.provider = normalizedProvider(String(decoding: value, as: UTF8.self))
            case .connectionID? where !sawConnection:
                sawConnection = true
                scan.connectionID = trimmedNonEmpty(String(decoding: value, as: UTF8.self))
            default: return
            }
        }
        return scan
    }

    /// What names a verified delivery: cheap to work out, so a duplicate or a
    /// delivery without handlers is answered without building the delivery.
    struct DeliveryName {
        let id: String
        let type: String
        let dedupeKey: String
        let isEnvelope: Bool
        /// The event, when naming needed its payload (a Telegram update's
        /// `update_id`): the delivery reuses it, so the body is parsed once.
        var event: WebhookEvent? = nil
    }

    func name(of verified: SignatureCheck.Verified, body: [UInt8], scan: HeaderScan) -> DeliveryName {
        // The SDK reports a missing or non-string member as "".
        if case .object(let envelope) = verified, let id = envelope.id, !id.isEmpty,
           let type = envelope.type, !type.isEmpty {
            return DeliveryName(id: id, type: type, dedupeKey: id, isEnvelope: true)
        }
        let provider = scan.provider ?? "unknown"
        let key: String
        var event: WebhookEvent?
        // Only Telegram needs a member of a provider body: the event parsed
        // for it travels on to the delivery (`makeDelivery`).
        if provider == "telegram", case .object(let envelope) = verified {
            event = signatureCheck.event(envelope, body: body)
        }
        if case .int(let updateID)? = event?.payload["update_id"] {
            key = "telegram:\(scan.connectionID ?? ""):\(updateID)"
        } else {
            // Verified, so exactly one signature field was found.
            let signature = (scan.signature.value ?? "").lowercased()
            key = "\(provider):sig:\(signature)"
        }
        return DeliveryName(id: key, type: "provider.\(provider)", dedupeKey: key, isEnvelope: false, event: event)
    }

    /// The delivery handlers see. Nothing is copied or parsed here: its
    /// event, `occurred_at` and forwarded headers are built on first read.
    func makeDelivery(
        _ verified: SignatureCheck.Verified, body: [UInt8], scan: HeaderScan, name: DeliveryName, headers: HTTPHeaders
    ) -> WebhookDelivery {
        let json: DeliveryDetails.JSON
        switch verified {
        case .object(let envelope):
            if let event = name.event {
                json = .event(event)
            } else {
                json = .envelope(envelope, maxDepth: signatureCheck.webhooks.maxJSONDepth)
            }
        case .other(let value):
            json = .parsed(value)
        }
        let details = DeliveryDetails(
            body: body, json: json, headers: .request(headers), occurredAt: name.isEnvelope ? .fromEvent : .given(""))
        return WebhookDelivery(
            id: name.id, type: name.type, rawBody: body, provider: scan.provider, connectionID: scan.connectionID,
            dedupeKey: name.dedupeKey, isEnvelope: name.isEnvelope, source: .vendo, details: details)
    }

    private static func trimmedNonEmpty(_ value: String) -> String? {
        let trimmed = value.trimmedWhitespace
        return trimmed.isEmpty ? nil : trimmed
    }

    private static func normalizedProvider(_ value: String) -> String? {
        trimmedNonEmpty(value)?.lowercased()
    }
}

/// What became of a delivery handed to ``WebhookReceiver/dispatch(_:)``.
public enum DispatchResult: Sendable {
    /// Every matching handler succeeded (or none matched); the key is remembered.
    case handled
    /// Already handled within the window; no handler ran.
    case duplicate
    /// These handler runs failed; the key is not remembered.
    case failed([WebhookHandlerFailure])
}
