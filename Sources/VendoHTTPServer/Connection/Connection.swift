import Dispatch
import Logging
import Synchronization

/// One client connection: reads requests, runs the responder for each in a
/// task, writes the responses in order, and enforces timeouts and limits.
///
/// Every mutable property belongs to `queue` (a serial queue): socket events,
/// handler results and body-stream signals all hop onto it. Hence
/// `@unchecked Sendable`, with `dispatchPrecondition` guarding the entry points.
///
/// Life of a request: parser `.head` → task running the responder (the body
/// streams to it through `RequestBodyStream`) → response head and body
/// appended to `output` and sent with one `send` → next pipelined request.
/// While a request's body is fully read but its response is pending, the
/// socket is not read, so pipelining clients cannot make us buffer without
/// bound.
final class Connection: @unchecked Sendable {
    /// A per-server serial number, for logs.
    let id: UInt64
    /// The queue that owns this connection.
    let queue: DispatchQueue
    /// When the connection needs attention from the server's deadline sweep
    /// (uptime nanoseconds; 0 for never). Written on `queue`, read by the sweep.
    let deadline = Atomic<UInt64>(0)

    private let socket: Socket
    private let remoteAddress: String
    private let configuration: HTTPServer.Configuration
    private let responder: any HTTPResponder
    private let logger: Logger
    private let onClosed: @Sendable (Connection) -> Void

    private var parser: HTTPRequestParser
    private var readSource: DispatchSourceRead?
    private var isReading = false
    private var writeSource: DispatchSourceWrite?
    private var isWaitingForWritable = false
    private var pendingCancelHandlers = 0

    /// Bytes queued for the socket; `output[outputSent...]` is still to send.
    private var output: [UInt8] = []
    private var outputSent = 0
    /// Streaming writers waiting for their bytes to reach the kernel.
    private var flushWaiters: [CheckedContinuation<Void, any Error>] = []

    private var lifecycle = Lifecycle.open
    private var exchange: Exchange?
    private var nextExchangeID: UInt64 = 0
    private var peerClosed = false
    private var isShuttingDown = false
    /// Set while `processInput` runs, so nested calls (a response finishing
    /// synchronously) leave the work to the running loop instead of recursing.
    private var isProcessingInput = false

    // Deadline bookkeeping (uptime nanoseconds).
    private var idleSince: UInt64 = 0
    private var headStartedAt: UInt64 = 0
    private var bodyDeadline: UInt64 = 0
    private var writeDeadline: UInt64 = 0
    private var lingerDeadline: UInt64 = 0
    private var lingerDiscarded = 0

    private enum Lifecycle: Equatable {
        /// Serving requests.
        case open
        /// Will close once `output` is sent (after an error or `Connection: close`).
        case closingAfterFlush
        /// Our side is shut down; reading and discarding until the peer closes.
        case lingering
        /// Sources cancelled; the descriptor closes when their handlers ran.
        case closed
    }

    /// The request in progress and how far its response got.
    private struct Exchange {
        let id: UInt64
        let method: HTTPMethod
        let version: HTTPVersion
        let path: String
        let keepAlive: Bool
        let expectsContinue: Bool
        var body: RequestBodyStream?
        var task: Task<Void, Never>?
        var streamTask: Task<Void, Never>?
        var requestEnded = false
        var bodyBytesSeen = false
        var bodyPaused = false
        var continueSent = false
        var responseStarted = false
        var responseFinished = false
        var closeAfterResponse = false
        var status = 0
    }

    /// How long lingering may discard before giving up.
    private static let maxLingerBytes = 1 << 20
    /// Bytes read from the socket per read call.
    private static let readChunkSize = 16 * 1024
    /// `output` capacity kept between responses; larger buffers are freed.
    private static let retainedOutputCapacity = 8 * 1024

    init(id: UInt64, socket: Socket, remoteAddress: String, configuration: HTTPServer.Configuration,
         responder: any HTTPResponder, logger: Logger, onClosed: @escaping @Sendable (Connection) -> Void) {
        self.id = id
        self.socket = socket
        self.remoteAddress = remoteAddress
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        self.onClosed = onClosed
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.queue = DispatchQueue(label: "vendo.http.connection", target: .global())
    }

    /// Starts reading. Call once, from any thread.
    func start() {
        queue.async { [self] in
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.descriptor.rawValue, queue: queue)
            source.setEventHandler { [self] in readable() }
            source.setCancelHandler { [self] in sourceCancelled() }
            readSource = source
            pendingCancelHandlers += 1
            isReading = true
            source.activate()
            idleSince = Self.now()
            updateDeadline()
            logger.debug("connection opened", metadata: metadata())
        }
    }

    /// Graceful shutdown: close now if idle, otherwise let the request in
    /// progress finish with `Connection: close`.
    func beginShutdown() {
        queue.async { [self] in
            isShuttingDown = true
            guard lifecycle == .open else { return }
            if exchange == nil, !parser.hasStartedRequest, parser.bufferedByteCount == 0 {
                close(reason: "server shutting down")
            }
        }
    }

    /// Closes at once, whatever is in progress (shutdown deadline).
    func forceClose() {
        queue.async { [self] in close(reason: "server shutdown deadline") }
    }

    /// Called by the server's sweep when `deadline` has passed.
    func checkDeadline() {
        dispatchPrecondition(condition: .onQueue(queue))
        let due = deadline.load(ordering: .relaxed)
        guard due != 0, Self.now() >= due, lifecycle != .closed else { return }
        timedOut()
    }

    // MARK: - Reading

    private func readable() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard lifecycle != .closed, let readSource, !readSource.isCancelled else { return }
        let result = withUnsafeTemporaryAllocation(byteCount: Self.readChunkSize, alignment: 16) { buffer -> Socket.IOResult in
            let result = socket.read(into: buffer)
            if case .transferred(let count) = result {
                if lifecycle == .open {
                    let wasIdle = exchange == nil && !parser.hasStartedRequest
                    parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    if wasIdle { headStartedAt = Self.now() }
                } else {
                    lingerDiscarded += count
                }
            }
            return result
        }
        switch result {
        case .transferred:
            if lifecycle == .lingering {
                if lingerDiscarded > Self.maxLingerBytes { close(reason: "lingering close limit") }
                return
            }
            if lifecycle == .closingAfterFlush { return }
        case .wouldBlock:
            return
        case .endOfFile:
            peerClosed = true
            if lifecycle != .open {
                close(reason: "peer closed")
                return
            }
        case .failed(let error):
            close(reason: "read failed: \(error.message)")
            return
        }
        processInput()
    }

    /// Runs the parser as far as the current state allows.
    private func processInput() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard lifecycle == .open, !isProcessingInput else { return }
        isProcessingInput = true
        defer { isProcessingInput = false }
        while lifecycle == .open {
            if let exchange {
                if exchange.requestEnded || exchange.bodyPaused { break }
            } else if outputSent < output.count {
                break  // the previous response is still going out
            }
            let event: HTTPParserEvent?
            do {
                event = try parser.next()
            } catch {
                parseFailed(error)
                return
            }
            guard let event else { break }
            switch event {
            case .head(let head): startExchange(head)
            case .body(let bytes): receivedBody(bytes)
            case .end: receivedEnd()
            }
        }
        guard lifecycle == .open else { return }
        if peerClosed {
            if exchange == nil {
                // Nothing to answer (at most a partial request): done.
                closeAfterFlush()
                return
            }
            if let exchange, !exchange.requestEnded, !exchange.bodyPaused {
                failRequestNoResponse(reason: "peer closed the connection before the request body ended")
                return
            }
            // Otherwise answer what is buffered; the connection closes once
            // nothing is left to answer.
        }
        updateReading()
        updateDeadline()
    }

    private func updateReading() {
        let wanted: Bool
        switch lifecycle {
        case .open:
            if peerClosed {
                wanted = false
            } else if let exchange {
                wanted = !exchange.requestEnded && !exchange.bodyPaused
            } else {
                wanted = outputSent >= output.count
            }
        case .closingAfterFlush, .lingering:
            wanted = !peerClosed
        case .closed:
            wanted = false
        }
        guard let readSource, wanted != isReading else { return }
        isReading = wanted
        if wanted { readSource.resume() } else { readSource.suspend() }
    }

    // MARK: - Requests

    private func startExchange(_ head: HTTPRequestHead) {
        nextExchangeID &+= 1
        let exchangeID = nextExchangeID
        var current = Exchange(id: exchangeID, method: head.method, version: head.version, path: head.path,
                               keepAlive: head.keepAlive, expectsContinue: head.expectsContinue)
        let now = Self.now()
        bodyDeadline = now &+ configuration.timeouts.bodyRead.nanoseconds

        if head.method == .connect {
            // No tunnels here; what follows a CONNECT is not HTTP, so close.
            exchange = current
            failRequest(.notImplemented, reason: "CONNECT is not supported by this server")
            return
        }

        let body: HTTPRequestBody
        switch head.framing {
        case .none, .contentLength(0):
            body = .empty
        case .contentLength(let length):
            let stream = makeBodyStream(exchangeID: exchangeID, declaredLength: length)
            current.body = stream
            body = HTTPRequestBody(stream: stream)
        case .chunked:
            let stream = makeBodyStream(exchangeID: exchangeID, declaredLength: nil)
            current.body = stream
            body = HTTPRequestBody(stream: stream)
        }
        exchange = current

        if !head.method.isStandard {
            // Unknown methods never reach handlers; the body is drained as for
            // any early response, so the connection can stay open.
            let response = HTTPError(.notImplemented, message: "The method is not implemented by this server").response
            queue.async { [self] in respond(response, exchangeID: exchangeID) }
            return
        }

        let request = HTTPRequest(head: head, body: body, remoteAddress: remoteAddress)
        let responder = self.responder
        let logger = self.logger
        let connectionID = id
        exchange?.task = Task { [self] in
            let response = await Self.run(responder, request, logger: logger, connectionID: connectionID)
            queue.async { self.respond(response, exchangeID: exchangeID) }
        }
    }

    private func makeBodyStream(exchangeID: UInt64, declaredLength: Int?) -> RequestBodyStream {
        RequestBodyStream(declaredLength: declaredLength) { [self] signal in
            queue.async { self.bodySignal(signal, exchangeID: exchangeID) }
        }
    }

    /// Runs the responder, turning thrown errors into responses.
    private static func run(_ responder: any HTTPResponder, _ request: HTTPRequest, logger: Logger,
                            connectionID: UInt64) async -> HTTPResponse {
        do {
            return try await responder.respond(to: request)
        } catch let error as HTTPError {
            return error.response
        } catch {
            // The error's text may hold anything (paths, secrets): log its type only.
            logger.info("handler failed; answering 500", metadata: [
                "connection.id": "\(connectionID)",
                "http.method": "\(request.method)",
                "http.path": "\(request.path)",
                "error.type": "\(type(of: error))",
            ])
            return HTTPError(.internalServerError).response
        }
    }

    private func receivedBody(_ bytes: [UInt8]) {
        guard exchange != nil else { return }
        exchange!.bodyBytesSeen = true
        guard !exchange!.responseFinished, let body = exchange!.body else { return }  // draining
        if !body.push(bytes) {
            exchange!.bodyPaused = true
        }
    }

    private func receivedEnd() {
        guard exchange != nil else { return }
        exchange!.requestEnded = true
        exchange!.body?.finish()
        if exchange!.responseFinished {
            finishExchange()
        }
    }

    private func bodySignal(_ signal: RequestBodyStream.Signal, exchangeID: UInt64) {
        guard lifecycle == .open, let current = exchange, current.id == exchangeID else { return }
        switch signal {
        case .firstRead:
            if current.expectsContinue, !current.continueSent, !current.requestEnded, !current.bodyBytesSeen,
               !current.responseStarted {
                exchange!.continueSent = true
                output.append(contentsOf: ResponseSerializer.continueLine)
                bodyDeadline = Self.now() &+ configuration.timeouts.bodyRead.nanoseconds
                flush()
                updateDeadline()
            }
        case .demand:
            if current.bodyPaused {
                exchange!.bodyPaused = false
                bodyDeadline = Self.now() &+ configuration.timeouts.bodyRead.nanoseconds
                processInput()
            }
        }
    }

    // MARK: - Responses

    private func respond(_ response: HTTPResponse, exchangeID: UInt64) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard lifecycle == .open || lifecycle == .closingAfterFlush, let current = exchange,
              current.id == exchangeID, !current.responseStarted else { return }
        var response = response
        if response.status.code < 200 || response.status.code > 999 {
            logger.info("handler returned an invalid final status; answering 500", metadata: metadata([
                "http.status": "\(response.status.code)",
            ]))
            response = HTTPError(.internalServerError).response
        }

        var close = !current.keepAlive || isShuttingDown || lifecycle != .open
        if response.headers.contains("Connection"), ResponseSerializer.requestsClose(response.headers) {
            close = true
        }
        if current.expectsContinue, !current.continueSent, !current.requestEnded {
            // The client may be holding the body back for our 100: we cannot
            // know where the next request would start.
            close = true
        }

        let isHead = current.method == .head
        let code = response.status.code
        var stream: (@Sendable (any HTTPBodyWriter) async throws -> Void)?
        var bodyBytes: [UInt8] = []
        let framing: ResponseSerializer.Framing
        switch response.body.storage {
        case .bytes(let bytes):
            if !ResponseSerializer.statusAllowsBody(code) {
                framing = .none
            } else {
                framing = .length(bytes.count)
                if !isHead { bodyBytes = bytes }
            }
        case .stream(let body):
            if !ResponseSerializer.statusAllowsBody(code) || isHead {
                framing = .none
            } else if current.version == .http1_0 {
                framing = .closeDelimited
                close = true
                stream = body
            } else {
                framing = .chunked
                stream = body
            }
        }
        let connectionHeader: ResponseSerializer.ConnectionHeader =
            close ? .close : (current.version == .http1_0 ? .keepAlive : .omit)

        do {
            try ResponseSerializer.appendHead(status: response.status, headers: response.headers,
                                              framing: framing, connection: connectionHeader, to: &output)
            output.append(contentsOf: bodyBytes)
        } catch {
            logger.info("response header is not valid HTTP; answering 500", metadata: metadata([
                "http.header": "\(error.name)",
            ]))
            stream = nil
            let fallback = HTTPError(.internalServerError).response
            let body = fallback.body.count.map { isHead ? 0 : $0 } ?? 0
            try? ResponseSerializer.appendHead(status: fallback.status, headers: fallback.headers,
                                               framing: .length(fallback.body.count ?? 0),
                                               connection: connectionHeader, to: &output)
            if body > 0, case .bytes(let bytes) = fallback.body.storage { output.append(contentsOf: bytes) }
        }
        exchange!.responseStarted = true
        exchange!.closeAfterResponse = close
        exchange!.status = response.status.code
        logger.debug("request", metadata: metadata([
            "http.method": "\(current.method)",
            "http.path": "\(current.path)",
            "http.status": "\(response.status.code)",
        ]))
        flush()
        guard lifecycle != .closed else { return }

        if let stream {
            let writer = ConnectionBodyWriter(connection: self, exchangeID: exchangeID, chunked: framing == .chunked)
            exchange!.streamTask = Task { [self] in
                do {
                    try await stream(writer)
                    queue.async { self.streamFinished(exchangeID: exchangeID, failed: false) }
                } catch {
                    queue.async { self.streamFinished(exchangeID: exchangeID, failed: true) }
                }
            }
        } else {
            responseFinished()
        }
    }

    /// Queues one piece of a streamed body; `done` runs once it reached the kernel.
    func writeBodyChunk(_ bytes: [UInt8], exchangeID: UInt64, chunked: Bool,
                        done: CheckedContinuation<Void, any Error>) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard lifecycle == .open || lifecycle == .closingAfterFlush, let current = exchange,
              current.id == exchangeID, current.responseStarted, !current.responseFinished else {
            done.resume(throwing: HTTPConnectionError(reason: "the response is no longer being sent"))
            return
        }
        if chunked {
            ResponseSerializer.appendChunk(bytes, to: &output)
        } else {
            output.append(contentsOf: bytes)
        }
        flushWaiters.append(done)
        flush()
    }

    private func streamFinished(exchangeID: UInt64, failed: Bool) {
        guard lifecycle != .closed, let current = exchange, current.id == exchangeID else { return }
        if failed {
            // The head is out; the only honest signal left is an incomplete body.
            close(reason: "streaming response body failed")
            return
        }
        if current.version != .http1_0 {
            output.append(contentsOf: ResponseSerializer.lastChunk)
            flush()
            guard lifecycle != .closed else { return }
        }
        responseFinished()
    }

    /// The whole response is queued.
    private func responseFinished() {
        guard exchange != nil else { return }
        exchange!.responseFinished = true
        if exchange!.closeAfterResponse || isShuttingDown {
            exchange!.body?.fail(HTTPConnectionError(reason: "the response was sent and the connection is closing"))
            closeAfterFlush()
            return
        }
        if !exchange!.requestEnded {
            // An early response: read and discard the rest of the body (within
            // the parser's limits and the body timeout), then go on.
            exchange!.body?.fail(HTTPConnectionError(reason: "the response was sent before the body was read"))
            exchange!.bodyPaused = false
            bodyDeadline = Self.now() &+ configuration.timeouts.bodyRead.nanoseconds
            processInput()
            return
        }
        finishExchange()
    }

    /// The request is fully read and its response queued: on to the next.
    private func finishExchange() {
        exchange = nil
        let now = Self.now()
        idleSince = now
        headStartedAt = now
        if isShuttingDown {
            closeAfterFlush()
            return
        }
        processInput()
    }

    // MARK: - Errors and timeouts

    private func parseFailed(_ error: HTTPParseError) {
        logger.debug("request rejected", metadata: metadata([
            "http.status": "\(error.status.code)",
            "http.error": "\(error.reason)",
        ]))
        failRequest(error.status, reason: error.reason)
    }

    /// Answers `status` with `Connection: close` unless a response already
    /// started, abandons the request in progress, and closes.
    private func failRequest(_ status: HTTPStatus, reason: String) {
        let error = HTTPError(status, message: reason)
        var isHead = false
        if let current = exchange {
            current.body?.fail(error)
            current.task?.cancel()
            isHead = current.method == .head
            if current.responseStarted {
                if current.responseFinished {
                    closeAfterFlush()
                } else {
                    close(reason: "\(status.code) after the response started")
                }
                return
            }
            exchange = nil
        }
        let response = error.response
        let length = response.body.count ?? 0
        try? ResponseSerializer.appendHead(status: response.status, headers: response.headers,
                                           framing: .length(length), connection: .close, to: &output)
        if !isHead, case .bytes(let bytes) = response.body.storage { output.append(contentsOf: bytes) }
        closeAfterFlush()
    }

    /// Abandons the request in progress without answering and closes.
    private func failRequestNoResponse(reason: String) {
        if let current = exchange {
            current.body?.fail(HTTPConnectionError(reason: reason))
            current.task?.cancel()
            exchange = nil
        }
        closeAfterFlush()
    }

    private func timedOut() {
        let now = Self.now()
        switch lifecycle {
        case .closed:
            return
        case .lingering, .closingAfterFlush:
            close(reason: lifecycle == .lingering ? "lingering close done" : "write timeout")
            return
        case .open:
            break
        }
        if outputSent < output.count, writeDeadline != 0, now >= writeDeadline {
            close(reason: "write timeout")
            return
        }
        if let current = exchange {
            if !current.requestEnded, !current.bodyPaused {
                logger.debug("body read timeout", metadata: metadata())
                failRequest(.requestTimeout, reason: "The request body did not arrive in time")
            } else {
                updateDeadline()
            }
            return
        }
        if parser.hasStartedRequest {
            logger.debug("header read timeout", metadata: metadata())
            failRequest(.requestTimeout, reason: "The request head did not arrive in time")
        } else {
            close(reason: "idle timeout")
        }
    }

    /// Recomputes `deadline` from the current state.
    private func updateDeadline() {
        var due: UInt64 = 0
        switch lifecycle {
        case .closed:
            due = 0
        case .lingering:
            due = lingerDeadline
        case .closingAfterFlush:
            due = writeDeadline
        case .open:
            if outputSent < output.count {
                due = writeDeadline
            } else if let current = exchange {
                if current.requestEnded || current.bodyPaused {
                    due = 0  // the handler's turn, not the client's
                } else if current.expectsContinue, !current.continueSent, !current.bodyBytesSeen,
                          !current.responseFinished {
                    due = 0  // the client waits for our 100 Continue
                } else {
                    due = bodyDeadline
                }
            } else if parser.hasStartedRequest {
                due = headStartedAt &+ configuration.timeouts.headerRead.nanoseconds
            } else {
                due = idleSince &+ configuration.timeouts.idle.nanoseconds
            }
        }
        deadline.store(due, ordering: .relaxed)
    }

    // MARK: - Writing

    /// Sends as much of `output` as the socket takes; waits for writability
    /// for the rest.
    private func flush() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard lifecycle != .closed else { return }
        var progressed = false
        while outputSent < output.count {
            let sent = outputSent
            let result = output.withUnsafeBytes { bytes in
                socket.send(UnsafeRawBufferPointer(rebasing: bytes[sent...]))
            }
            switch result {
            case .transferred(let count):
                outputSent += count
                progressed = true
            case .wouldBlock, .endOfFile:
                if progressed || writeDeadline == 0 {
                    writeDeadline = Self.now() &+ configuration.timeouts.write.nanoseconds
                }
                waitForWritable()
                updateDeadline()
                return
            case .failed(let error):
                close(reason: "write failed: \(error.message)")
                return
            }
        }
        if output.capacity > Self.retainedOutputCapacity {
            output = []
        } else {
            output.removeAll(keepingCapacity: true)
        }
        outputSent = 0
        writeDeadline = 0
        if isWaitingForWritable {
            isWaitingForWritable = false
            writeSource?.suspend()
        }
        let waiters = flushWaiters
        flushWaiters = []
        for waiter in waiters { waiter.resume() }
        if lifecycle == .closingAfterFlush {
            startLingering()
        } else {
            updateDeadline()
        }
    }

    private func waitForWritable() {
        guard !isWaitingForWritable else { return }
        isWaitingForWritable = true
        if let writeSource {
            writeSource.resume()
            return
        }
        let source = DispatchSource.makeWriteSource(fileDescriptor: socket.descriptor.rawValue, queue: queue)
        source.setEventHandler { [self] in writable() }
        source.setCancelHandler { [self] in sourceCancelled() }
        writeSource = source
        pendingCancelHandlers += 1
        source.activate()
    }

    private func writable() {
        guard lifecycle != .closed else { return }
        flush()
        if lifecycle == .open, outputSent >= output.count {
            processInput()
        }
    }

    // MARK: - Closing

    /// Sends what is queued, then closes (lingering).
    private func closeAfterFlush() {
        guard lifecycle == .open else { return }
        lifecycle = .closingAfterFlush
        if outputSent >= output.count {
            startLingering()
        } else {
            flush()  // lingers once the output is out
            guard lifecycle == .closingAfterFlush else { return }
            updateReading()
            updateDeadline()
        }
    }

    /// Shuts our side down and discards input until the peer closes, so our
    /// last response is not destroyed by a reset (unread input at close()
    /// makes the kernel send RST).
    private func startLingering() {
        guard lifecycle == .closingAfterFlush else { return }
        if peerClosed {
            close(reason: "done")
            return
        }
        socket.shutdownWrite()
        lifecycle = .lingering
        lingerDeadline = Self.now() &+ configuration.timeouts.lingeringClose.nanoseconds
        updateReading()
        updateDeadline()
    }

    /// Closes now: cancels the sources; the descriptor is closed once both
    /// cancel handlers ran.
    private func close(reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard lifecycle != .closed else { return }
        lifecycle = .closed
        deadline.store(0, ordering: .relaxed)
        logger.debug("connection closed", metadata: metadata(["reason": "\(reason)"]))
        let error = HTTPConnectionError(reason: reason)
        let waiters = flushWaiters
        flushWaiters = []
        for waiter in waiters { waiter.resume(throwing: error) }
        if let current = exchange {
            current.body?.fail(error)
            current.task?.cancel()
            current.streamTask?.cancel()
            exchange = nil
        }
        output = []
        outputSent = 0
        if let readSource {
            if !isReading {
                isReading = true
                readSource.resume()
            }
            readSource.cancel()
        }
        if let writeSource {
            if !isWaitingForWritable {
                isWaitingForWritable = true
                writeSource.resume()
            }
            writeSource.cancel()
        }
        if pendingCancelHandlers == 0 {
            finishClose()
        }
    }

    private func sourceCancelled() {
        pendingCancelHandlers -= 1
        if pendingCancelHandlers == 0 {
            finishClose()
        }
    }

    private func finishClose() {
        socket.close()
        // Dropping the sources releases their handlers, which hold `self`.
        readSource = nil
        writeSource = nil
        onClosed(self)
    }

    // MARK: - Helpers

    private static func now() -> UInt64 {
        DispatchTime.now().uptimeNanoseconds
    }

    private func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        var metadata = extra
        metadata["connection.id"] = "\(id)"
        metadata["connection.remote"] = "\(remoteAddress)"
        return metadata
    }
}

/// The `HTTPBodyWriter` a streaming response body writes to.
struct ConnectionBodyWriter: HTTPBodyWriter {
    let connection: Connection
    let exchangeID: UInt64
    let chunked: Bool

    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            connection.queue.async {
                connection.writeBodyChunk(bytes, exchangeID: exchangeID, chunked: chunked, done: continuation)
            }
        }
    }
}
