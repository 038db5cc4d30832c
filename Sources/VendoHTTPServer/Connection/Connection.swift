import Dispatch
import Glibc
import Logging
import Synchronization

/// One client connection: reads requests, runs the responder for each in a
/// task, writes the responses in order, and enforces timeouts and limits.
///
/// Every mutable property belongs to `loop` (one event-loop thread): socket
/// readiness, handler results and body-stream signals all run there. Hence
/// `@unchecked Sendable`, with `preconditionInEventLoop` guarding the entry points.
///
/// Life of a request: parser `.head` → task running the responder (the body
/// streams to it through `RequestBodyStream`) → response head and body
/// appended to `output` and sent with one `send` (a keep-alive response once
/// the loop's current batch has run: `EventLoop.sendAtEndOfBatch`) → next
/// pipelined request.
///
/// Once a request's body is fully read and its handler still runs, the
/// socket keeps being watched ("read-ahead"): bytes that arrive (the next
/// pipelined request) go to the parser unparsed, at most `readAheadLimit` of
/// them, after which reading stops until the response is done (so
/// pipelining clients cannot make us buffer without bound); an end of file
/// or a reset means the client went away, and the handler is cancelled (see
/// `clientClosedDuringHandler`).
final class Connection: EventLoopIOHandler, EventLoopDeferredWork, EventLoopBatchedOutput, @unchecked Sendable {
    /// A per-server serial number, for logs.
    let id: UInt64
    /// The event loop that owns this connection and runs its handlers' tasks.
    let loop: EventLoop
    /// When the connection needs attention from the server's deadline sweep
    /// (uptime nanoseconds; 0 for never). Written on `loop`, read by the sweep.
    let deadline = Atomic<UInt64>(0)

    private let socket: Socket
    private let remoteAddress: String
    private let configuration: HTTPServer.Configuration
    private let timeoutNanoseconds: TimeoutNanoseconds
    private let responder: any HTTPResponder
    /// `responder`, when it can answer without a task.
    /// `responder.respondImmediately(to:)`, when it can answer without a task.
    /// A closure rather than the existential: calling a method on a stored
    /// `any HTTPImmediateResponder` copied it first (a retain and a release
    /// of the responder, one object both loops share, per request).
    private let respondImmediately: ((inout HTTPRequest) -> HTTPResponse?)?
    /// Whether `respondImmediately` is set (comparing it with nil copied it too).
    private let offersRequests: Bool
    private let logger: Logger
    /// Whether `logger` takes the per-request debug line. Read once: asking
    /// the logger copies its handler, which cost a few retains per request.
    /// The logger is this connection's own copy, so its level cannot change.
    private let logsRequests: Bool
    private let onClosed: @Sendable (Connection) -> Void

    // The connection's state lives on its loop thread only, and no access to
    // these overlaps another (nothing here calls back into the connection
    // while mutating them), so the runtime's dynamic exclusivity checks, a
    // measurable share of each request, are switched off for the busiest.
    @exclusivity(unchecked) private var parser: HTTPRequestParser
    /// Whether the loop watches the socket for input (see `readable`).
    private var isReading = false
    /// Whether the loop watches the socket for room to write (`output` is stuck).
    private var isWaitingForWritable = false

    /// Bytes queued for the socket; `output[outputSent...]` is still to send.
    @exclusivity(unchecked) private var output: [UInt8] = []
    private var outputSent = 0
    /// Whether `output` waits for the end of the loop's batch.
    private var isOutputBatched = false
    /// Streaming writers waiting for their bytes to reach the kernel.
    private var flushWaiters: [CheckedContinuation<Void, any Error>] = []

    private var lifecycle = Lifecycle.open
    @exclusivity(unchecked) private var exchange: Exchange?
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
        /// A request queued for the immediate responder.
        var waitingRequest: HTTPRequest?

        /// Whether the client owes us body bytes now (the body timeout runs):
        /// not once the request ended or the handler paused reading, and not
        /// while the client waits for our `100 Continue`.
        var waitsForClientBody: Bool {
            if requestEnded || bodyPaused { return false }
            return !(expectsContinue && !continueSent && !bodyBytesSeen && !responseFinished)
        }
    }

    /// Unparsed input kept while a handler runs; reading stops beyond it.
    /// The header-section limit: enough for the next pipelined request's head.
    private let readAheadLimit: Int
    /// How long lingering may discard before giving up.
    private static let maxLingerBytes = 1 << 20
    /// Bytes read from the socket per read call (the loop's read buffer).
    private static let readChunkSize = EventLoop.readBufferSize
    /// `output` capacity kept between responses; larger buffers are freed.
    /// Also the most held output under which a pipelined request still
    /// starts (see `processInput`), so joined answers fit the kept buffer.
    private static let retainedOutputCapacity = 8 * 1024

    init(id: UInt64, socket: Socket, remoteAddress: String, loop: EventLoop, configuration: HTTPServer.Configuration,
         responder: any HTTPResponder, logger: Logger, onClosed: @escaping @Sendable (Connection) -> Void) {
        self.id = id
        self.socket = socket
        self.remoteAddress = remoteAddress
        self.configuration = configuration
        self.timeoutNanoseconds = TimeoutNanoseconds(configuration.timeouts)
        self.responder = responder
        if let immediate = responder as? any HTTPImmediateResponder, immediate.answersImmediately {
            respondImmediately = { immediate.respondImmediately(to: &$0) }
        } else {
            respondImmediately = nil
        }
        self.offersRequests = respondImmediately != nil
        self.logger = logger
        self.logsRequests = logger.logLevel <= .debug
        self.onClosed = onClosed
        self.parser = HTTPRequestParser(limits: configuration.limits)
        self.readAheadLimit = max(1, configuration.limits.maxHeaderBytes)
        self.loop = loop
    }

    /// Starts reading. Call once, from any thread.
    func start() {
        loop.execute { [self] in
            isReading = true
            guard loop.register(socket.descriptor.rawValue, interest: .read, handler: self) else {
                closeUnwatchable()
                return
            }
            idleSince = Self.now()
            updateDeadline()
            logger.debug("connection opened", metadata: metadata())
        }
    }

    /// Graceful shutdown: close now if idle, otherwise let the request in
    /// progress finish with `Connection: close`.
    func beginShutdown() {
        loop.execute { [self] in
            isShuttingDown = true
            guard lifecycle == .open else { return }
            guard exchange == nil, !parser.hasStartedRequest, parser.bufferedByteCount == 0 else { return }
            if outputSent < output.count {
                closeAfterFlush()  // the last response is still going out
            } else {
                close(reason: "server shutting down")
            }
        }
    }

    /// Closes at once, whatever is in progress (shutdown deadline).
    func forceClose() {
        loop.execute { [self] in close(reason: "server shutdown deadline") }
    }

    /// Called by the server's sweep when `deadline` has passed.
    func checkDeadline() {
        loop.preconditionInEventLoop()
        let due = deadline.load(ordering: .relaxed)
        guard due != 0, Self.now() >= due, lifecycle != .closed else { return }
        timedOut()
    }

    // MARK: - Reading

    func readable() {
        loop.preconditionInEventLoop()
        guard lifecycle != .closed else { return }
        let limit: Int
        let isReadingAhead: Bool
        if wantsInput {
            limit = Self.readChunkSize
            isReadingAhead = false
        } else if readAheadRoom > 0 {
            limit = min(Self.readChunkSize, readAheadRoom)
            isReadingAhead = true
        } else {
            // Stopped lazily, only when bytes arrive that we cannot take yet:
            // stopping after every request would cost an epoll_ctl pair each.
            if isReading {
                isReading = false
                updateInterest()
            }
            return
        }
        let buffer = loop.readBuffer
        let result = socket.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<limit]))
        if case .transferred(let count) = result {
            if lifecycle == .open {
                let wasIdle = exchange == nil && !parser.hasStartedRequest
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                if wasIdle { headStartedAt = Self.now() }
            } else {
                lingerDiscarded += count
            }
        }
        if isReadingAhead {
            readAheadResult(result)
            return
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
            if lifecycle == .closingAfterFlush, outputSent < output.count {
                // A half-closed client still gets the last response: close
                // once it is out (write errors tell if the client is gone).
                return
            }
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
        loop.preconditionInEventLoop()
        guard lifecycle == .open, !isProcessingInput else { return }
        isProcessingInput = true
        defer { isProcessingInput = false }
        while lifecycle == .open {
            // Fields are read in place: binding `exchange` would copy the
            // struct (its strings, its tasks and any waiting request).
            if exchange != nil {
                if exchange!.requestEnded || exchange!.bodyPaused { break }
            } else if outputSent < output.count, !joinsHeldOutput {
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
            switch consume event {  // the head moves on instead of being copied
            case .head(let head): startExchange(head)
            case .body(let bytes): receivedBody(bytes)
            case .end: receivedEnd()
            }
        }
        guard lifecycle == .open else { return }
        if peerClosed {
            if exchange == nil {
                if outputSent < output.count {
                    // Pipelined requests may still wait behind this response;
                    // `writable` comes back here once it is out.
                    updateDeadline()
                    return
                }
                // Nothing left to answer (at most a partial request): done.
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

    /// Whether a pipelined request already read may start while the previous
    /// answer waits, unsent, for the end of the loop's batch: their answers
    /// then leave in one send, as long as the held output stays under
    /// `retainedOutputCapacity`.
    private var joinsHeldOutput: Bool {
        isOutputBatched && parser.bufferedByteCount > 0 && output.count - outputSent < Self.retainedOutputCapacity
    }

    /// Whether the socket should be read now.
    private var wantsInput: Bool {
        switch lifecycle {
        case .open:
            if peerClosed { return false }
            if exchange != nil { return !exchange!.requestEnded && !exchange!.bodyPaused }
            return outputSent >= output.count
        case .closingAfterFlush, .lingering:
            return !peerClosed
        case .closed:
            return false
        }
    }

    /// How many bytes may still be read ahead: the request is fully read,
    /// its handler or streamed response still runs, and the socket is
    /// watched only to keep what arrives meanwhile and to notice the client
    /// going away. Zero when reading ahead does not apply or the bound is hit.
    private var readAheadRoom: Int {
        guard lifecycle == .open, !peerClosed, exchange?.requestEnded == true else { return 0 }
        return max(0, readAheadLimit - parser.bufferedByteCount)
    }

    /// Resumes reading when input is wanted again; see `readable` for the
    /// other direction. While a handler runs the socket stays watched
    /// (usually it never stopped: stopping is lazy), so the common keep-alive
    /// path costs no extra syscall.
    private func updateReading() {
        guard lifecycle != .closed, !isReading, wantsInput || readAheadRoom > 0 else { return }
        isReading = true
        updateInterest()
    }

    /// Tells the loop what to watch the socket for.
    private func updateInterest() {
        guard lifecycle != .closed else { return }
        var interest: EventLoop.Interest = []
        if isReading { interest.insert(.read) }
        if isWaitingForWritable { interest.insert(.write) }
        if !loop.setInterest(socket.descriptor.rawValue, interest) {
            closeUnwatchable()
        }
    }

    /// The kernel refused to watch the socket (`errno` from `epoll_ctl`): nothing
    /// more can happen on it.
    private func closeUnwatchable() {
        close(reason: "cannot watch the socket: \(SocketError.makeFailed("epoll_ctl", errorNumber: errno).message)")
    }

    /// A read made while a handler runs: keep the bytes for later, or act on
    /// the client going away.
    private func readAheadResult(_ result: Socket.IOResult) {
        switch result {
        case .transferred(let count):
            // Kept in the parser, parsed once the response is done. At the
            // bound the next `readable` stops reading.
            logger.trace("input kept while the handler runs", metadata: metadata([
                "read.bytes": "\(count)",
                "read.buffered": "\(parser.bufferedByteCount)",
            ]))
        case .wouldBlock:
            return
        case .endOfFile:
            peerClosed = true
            clientClosedDuringHandler()
        case .failed(let error):
            close(reason: "read failed while the handler ran: \(error.message)")
        }
    }

    /// The client sent its end of file while its request's handler (or the
    /// streamed response) still runs.
    ///
    /// HTTP/1.1 clients almost never half-close (`shutdown(SHUT_WR)`) and wait
    /// for an answer; a closed socket is the usual meaning, and the two look
    /// the same from here. So, like most servers, this treats it as the client
    /// going away: the handler's task is cancelled, and a streamed response
    /// ends at once (its writes throw `HTTPConnectionError`). A handler that
    /// still returns a fixed response gets it delivered before the connection
    /// closes, so a half-closing tool still reads its answer when the handler
    /// does not give up on cancellation; write errors tell if nobody is there.
    private func clientClosedDuringHandler() {
        guard lifecycle == .open, let current = exchange else { return }
        if current.responseStarted {
            // Only a streamed response leaves its exchange open after starting.
            close(reason: "client closed the connection during a streamed response")
            return
        }
        logger.debug("client closed the connection while the handler ran; cancelling it", metadata: metadata())
        current.task?.cancel()
        updateDeadline()
    }

    // MARK: - Requests

    private func startExchange(_ head: consuming HTTPRequestHead) {
        nextExchangeID &+= 1
        let exchangeID = nextExchangeID
        // Built in place and changed through `exchange!`: a local moved in
        // afterwards was copied (its strings, tasks and waiting request).
        exchange = Exchange(id: exchangeID, method: head.method, version: head.version, path: head.path,
                            keepAlive: head.keepAlive, expectsContinue: head.expectsContinue)
        let now = Self.now()
        bodyDeadline = now &+ timeoutNanoseconds.bodyRead

        if head.method == .connect {
            // No tunnels here; what follows a CONNECT is not HTTP, so close.
            failRequest(.notImplemented, reason: "CONNECT is not supported by this server")
            return
        }

        let body: HTTPRequestBody
        var isWhole = true  // the body is in memory (asking `body` copied its bytes)
        switch head.framing {
        case .none, .contentLength(0):
            body = .empty
        case .contentLength(let length):
            if let whole = parser.takeBufferedBody() {
                // The body came with the head: the request is complete, and
                // the handler gets bytes without a stream (or a 100 Continue).
                exchange!.requestEnded = true
                exchange!.bodyBytesSeen = true
                body = HTTPRequestBody(bytes: whole)
            } else {
                let stream = makeBodyStream(exchangeID: exchangeID, declaredLength: length)
                exchange!.body = stream
                body = HTTPRequestBody(stream: stream)
                isWhole = false
            }
        case .chunked:
            let stream = makeBodyStream(exchangeID: exchangeID, declaredLength: nil)
            exchange!.body = stream
            body = HTTPRequestBody(stream: stream)
            isWhole = false
        }
        if !head.method.isStandard {
            // Unknown methods never reach handlers; the body is drained as for
            // any early response, so the connection can stay open.
            let response = HTTPError(.notImplemented, message: "The method is not implemented by this server").response
            loop.execute { [self] in respond(response, exchangeID: exchangeID) }
            return
        }

        if offersRequests, isWhole {
            // Queued like a task would be, not run here: the loop reads a
            // few requests and then answers them together, and answering each
            // as it is read measured about 12 % slower, with more system time
            // in both the server and the client. The request waits in the
            // exchange, not copied into a closure.
            exchange!.waitingRequest = HTTPRequest(head: head, body: body, remoteAddress: remoteAddress)
            loop.executeDeferred(self, token: exchangeID)  // answerWaitingRequest, without a closure to allocate
            return
        }
        startHandlerTask(HTTPRequest(head: head, body: body, remoteAddress: remoteAddress), exchangeID: exchangeID)
    }

    /// The only work a connection queues by token: the waiting request of
    /// exchange `token`.
    func runDeferred(token: UInt64) {
        answerWaitingRequest(exchangeID: token)
    }

    /// Offers the exchange's waiting request to the immediate responder, else
    /// starts its task.
    private func answerWaitingRequest(exchangeID: UInt64) {
        guard lifecycle != .closed, exchange?.id == exchangeID, var request = exchange?.waitingRequest.take(),
              offersRequests else { return }
        if let response = respondImmediately.unsafelyUnwrapped(&request) {
            respond(response, exchangeID: exchangeID)
        } else {
            startHandlerTask(request, exchangeID: exchangeID)
        }
    }

    /// Runs the responder for the current exchange in a task.
    private func startHandlerTask(_ request: HTTPRequest, exchangeID: UInt64) {
        guard lifecycle != .closed, exchange?.id == exchangeID else { return }  // closed while queued
        let task = loop.spawn { [self] in
            await handle(request, exchangeID: exchangeID)
        }
        exchange?.task = task
        // A request queued for the immediate responder gets its task late.
        // Usually the loop runs queued work before it reads again, so an end
        // of file is read after the task exists and `clientClosedDuringHandler`
        // cancels it; when the end of file came first (a pipelined request
        // started by a batched send, say), the task is cancelled here.
        if peerClosed { task.cancel() }
    }

    /// The body of a request's task. A method rather than the closure itself:
    /// the closure's async frame, allocated for every request, stays small.
    @inline(never)
    private func handle(_ request: HTTPRequest, exchangeID: UInt64) async {
        // `responder`, `logger` and `id` are constants: safe to read off the loop.
        let response = await Self.run(responder, request, logger: logger, connectionID: id)
        loop.execute {
            if let response {
                self.respond(response, exchangeID: exchangeID)
            } else {
                self.handlerAbandoned(exchangeID: exchangeID)
            }
        }
    }

    private func makeBodyStream(exchangeID: UInt64, declaredLength: Int?) -> RequestBodyStream {
        RequestBodyStream(declaredLength: declaredLength) { [self] signal in
            loop.execute { self.bodySignal(signal, exchangeID: exchangeID) }
        }
    }

    /// Runs the responder, turning thrown errors into responses; `nil` when
    /// it gave up after the connection cancelled it (nobody to answer).
    @inline(never)  // a separate frame, allocated per request: keep it small
    private static func run(_ responder: any HTTPResponder, _ request: HTTPRequest, logger: Logger,
                            connectionID: UInt64) async -> HTTPResponse? {
        do {
            return try await responder.respond(to: request)
        } catch {
            return response(for: error, request, logger: logger, connectionID: connectionID)
        }
    }

    /// The answer to a handler's error. Synchronous and out of line, so its
    /// temporaries (the log metadata) are not part of `run`'s async frame.
    @inline(never)
    private static func response(for error: any Error, _ request: HTTPRequest, logger: Logger,
                                 connectionID: UInt64) -> HTTPResponse? {
        if let error = error as? HTTPError { return error.response }
        if Task.isCancelled { return nil }
        // The error's text may hold anything (paths, secrets): log its type only.
        logger.info("handler failed; answering 500", metadata: [
            "connection.id": "\(connectionID)",
            "http.method": "\(request.method)",
            "http.path": "\(request.path)",
            "error.type": "\(type(of: error))",
        ])
        return HTTPError(.internalServerError).response
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
                bodyDeadline = Self.now() &+ timeoutNanoseconds.bodyRead
                flush()
                updateDeadline()
            }
        case .demand:
            if current.bodyPaused {
                exchange!.bodyPaused = false
                bodyDeadline = Self.now() &+ timeoutNanoseconds.bodyRead
                processInput()
            }
        }
    }

    // MARK: - Responses

    /// The handler threw after being cancelled because the client went away.
    private func handlerAbandoned(exchangeID: UInt64) {
        loop.preconditionInEventLoop()
        guard lifecycle != .closed, let current = exchange, current.id == exchangeID,
              !current.responseStarted else { return }
        close(reason: "client gone; the handler gave up")
    }

    private func respond(_ response: HTTPResponse, exchangeID: UInt64) {
        loop.preconditionInEventLoop()
        guard lifecycle == .open || lifecycle == .closingAfterFlush, exchange?.id == exchangeID,
              exchange?.responseStarted == false else { return }
        var response = response
        if response.status.code < 200 || response.status.code > 999 {
            logger.info("handler returned an invalid final status; answering 500", metadata: metadata([
                "http.status": "\(response.status.code)",
            ]))
            response = HTTPError(.internalServerError).response
        }

        var close = !exchange!.keepAlive || isShuttingDown || lifecycle != .open
        if response.headers.contains("Connection"), ResponseSerializer.requestsClose(response.headers) {
            close = true
        }
        if exchange!.expectsContinue, !exchange!.continueSent, !exchange!.requestEnded {
            // The client may be holding the body back for our 100: we cannot
            // know where the next request would start.
            close = true
        }

        let isHead = exchange!.method == .head
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
            } else if exchange!.version == .http1_0 {
                framing = .closeDelimited
                close = true
                stream = body
            } else {
                framing = .chunked
                stream = body
            }
        }
        if stream != nil, peerClosed {
            // The client sent its end of file while the handler ran: a stream
            // (often endless, like server-sent events) has nobody to go to.
            self.close(reason: "client closed the connection before the streamed response started")
            return
        }
        let connectionHeader: ResponseSerializer.ConnectionHeader =
            close ? .close : (exchange!.version == .http1_0 ? .keepAlive : .omit)

        do {
            try ResponseSerializer.appendHead(status: response.status, headers: response.headers,
                                              framing: framing, connection: connectionHeader, date: &loop.httpDate, to: &output)
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
                                               connection: connectionHeader, date: &loop.httpDate, to: &output)
            if body > 0, case .bytes(let bytes) = fallback.body.storage { output.append(contentsOf: bytes) }
        }
        exchange!.responseStarted = true
        exchange!.closeAfterResponse = close
        exchange!.status = response.status.code
        if logsRequests {
            logger.debug("request", metadata: metadata([
                "http.method": "\(exchange!.method)",
                "http.path": "\(exchange!.path)",
                "http.status": "\(response.status.code)",
            ]))
        }
        if stream == nil, !close {
            // Goes out with the rest of the loop's batch (a pipelined
            // request already read may start meanwhile: `processInput`).
            if !isOutputBatched {
                isOutputBatched = true
                loop.sendAtEndOfBatch(self)
            }
        } else {
            flush()
            guard lifecycle != .closed else { return }
        }

        if let stream {
            let writer = ConnectionBodyWriter(connection: self, exchangeID: exchangeID, chunked: framing == .chunked)
            exchange!.streamTask = loop.spawn { [self] in
                do {
                    try await stream(writer)
                    loop.execute { self.streamFinished(exchangeID: exchangeID, failed: false) }
                } catch {
                    loop.execute { self.streamFinished(exchangeID: exchangeID, failed: true) }
                }
            }
        } else {
            responseFinished()
        }
    }

    /// Queues one piece of a streamed body; `done` runs once it reached the kernel.
    func writeBodyChunk(_ bytes: [UInt8], exchangeID: UInt64, chunked: Bool,
                        done: CheckedContinuation<Void, any Error>) {
        loop.preconditionInEventLoop()
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
            bodyDeadline = Self.now() &+ timeoutNanoseconds.bodyRead
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
                                           framing: .length(length), connection: .close, date: &loop.httpDate,
                                           to: &output)
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
            } else if let waiting = exchange?.waitsForClientBody {
                // Read through the optional: binding the exchange would copy it.
                due = waiting ? bodyDeadline : 0
            } else if parser.hasStartedRequest {
                due = headStartedAt &+ timeoutNanoseconds.headerRead
            } else {
                due = idleSince &+ timeoutNanoseconds.idle
            }
        }
        deadline.store(due, ordering: .relaxed)
    }

    // MARK: - Writing

    /// Sends as much of `output` as the socket takes; waits for writability
    /// for the rest.
    private func flush() {
        loop.preconditionInEventLoop()
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
                    writeDeadline = Self.now() &+ timeoutNanoseconds.write
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
            updateInterest()
            guard lifecycle != .closed else { return }
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
        updateInterest()
    }

    func sendBatchedOutput() {
        isOutputBatched = false
        // Closing or closed meanwhile: closing sends what is queued itself.
        // Nothing left: a streamed or closing response sent it along with its own.
        guard lifecycle == .open, outputSent < output.count else { return }
        writable()
    }

    func writable() {
        loop.preconditionInEventLoop()
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
        lingerDeadline = Self.now() &+ timeoutNanoseconds.lingeringClose
        updateReading()
        updateDeadline()
    }

    /// Closes now: the loop stops watching the socket, then it is closed.
    private func close(reason: String) {
        loop.preconditionInEventLoop()
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
        isReading = false
        isWaitingForWritable = false
        // Deregistering drops the loop's reference to `self`.
        loop.deregister(socket.descriptor.rawValue)
        socket.close()
        onClosed(self)
    }

    // MARK: - Helpers

    private static func now() -> UInt64 {
        DeadlineClock.now()
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
            connection.loop.execute {
                connection.writeBodyChunk(bytes, exchangeID: exchangeID, chunked: chunked, done: continuation)
            }
        }
    }
}
