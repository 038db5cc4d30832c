import Dispatch
import Logging
import Synchronization

/// An HTTP/1.1 server on POSIX sockets, epoll event loops and Dispatch.
///
/// ```swift
/// var router = Router()
/// router.get("/") { _ in .text("hello") }
/// let server = HTTPServer(configuration: .init(port: 0), responder: router)
/// try server.start()
/// print("listening on http://\(server.host):\(server.port)")
/// await server.waitUntilStopped()
/// ```
///
/// One serial Dispatch queue accepts connections, tracks them and runs the
/// timeout sweep; each connection lives on one of a few event loops (one
/// thread per core, shared by the servers of a process), so an idle
/// connection costs no thread. Responders run as Swift tasks that prefer the
/// connection's loop: one that does not suspend elsewhere is read, run and
/// answered on one thread without waking another; one that awaits delays
/// only its own connection. Do blocking or long CPU-bound work off the loop
/// (another executor or a Dispatch queue), as with any event-loop server.
public final class HTTPServer: Sendable {
    /// The configuration the server was created with.
    public let configuration: Configuration
    private let core: ServerCore

    /// A server that answers every request with `responder`. Nothing happens
    /// until `start()`. The logger gets connection-level events at `debug`
    /// (never bodies or header values) and handler failures at `info`.
    public init(configuration: Configuration = .init(), logger: Logger = Logger(label: "vendo.http"),
                responder: any HTTPResponder) {
        self.configuration = configuration
        self.core = ServerCore(configuration: configuration, logger: logger, responder: responder)
    }

    /// Binds, listens and starts accepting. Throws `SocketError` (with errno
    /// and its text) when the address cannot be used, `HTTPServerError` for an
    /// invalid configuration or a second start.
    public func start() throws {
        try core.start()
    }

    /// The bound port: the real one after `start()` (also with port 0);
    /// the configured one before.
    public var port: Int { core.boundPort.load(ordering: .relaxed) }

    /// The host the server listens on, as configured (`127.0.0.1`, `::1`…).
    public var host: String { configuration.host }

    /// Graceful shutdown: stops accepting, closes idle connections, lets
    /// requests in flight finish (their responses carry `Connection: close`),
    /// and closes whatever is left after `shutdownGracePeriod`. Returns once
    /// every connection is closed. Calling it again just waits.
    public func shutdown() async {
        await core.shutdown()
    }

    /// Returns once the server has shut down (at once if it never started).
    public func waitUntilStopped() async {
        await core.waitUntilStopped()
    }

    /// The number of open connections, for tests and metrics.
    public var connectionCount: Int { core.connectionCount.load(ordering: .relaxed) }
}

/// The server's state, owned by `queue`.
final class ServerCore: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let boundPort: Atomic<Int>
    let connectionCount = Atomic<Int>(0)

    private let logger: Logger
    private let responder: any HTTPResponder
    private let queue = DispatchQueue(label: "vendo.http.server")
    private let loops = EventLoopGroup.shared

    private enum State { case idle, running, stopping, stopped }
    private var state = State.idle
    private var listener: Listener?
    private var connections: [UInt64: Connection] = [:]
    private var nextConnectionID: UInt64 = 0
    private var sweepTimer: DispatchSourceTimer?
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    init(configuration: HTTPServer.Configuration, logger: Logger, responder: any HTTPResponder) {
        self.configuration = configuration
        self.logger = logger
        self.responder = responder
        self.boundPort = Atomic(configuration.port)
    }

    func start() throws {
        Socket.ignoreBrokenPipeOnce
        try configuration.validate()
        let address = try SocketAddress(host: configuration.host, port: configuration.port)
        try queue.sync { () throws -> Void in
            guard state == .idle else { throw HTTPServerError("the server was already started") }
            let listener = try Listener(
                address: address, backlog: configuration.backlog, queue: queue, loop: loops.next(),
                onAccept: { [weak self] socket, peer in self?.accepted(socket, peer: peer) ?? false },
                onError: { [logger] error in
                    logger.info("accept failed; pausing briefly", metadata: ["error": "\(error)"])
                })
            self.listener = listener
            boundPort.store(listener.address.port, ordering: .relaxed)
            state = .running
            listener.activate()
            startSweep()
            logger.info("listening", metadata: ["server.address": "\(listener.address)"])
        }
    }

    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                switch state {
                case .idle, .stopped:
                    state = .stopped
                    continuation.resume()
                    resumeStopWaiters()
                case .stopping:
                    stopWaiters.append(continuation)
                case .running:
                    stopWaiters.append(continuation)
                    beginStopping()
                }
            }
        }
    }

    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                if state == .idle || state == .stopped {
                    continuation.resume()
                } else {
                    stopWaiters.append(continuation)
                }
            }
        }
    }

    private func beginStopping() {
        dispatchPrecondition(condition: .onQueue(queue))
        state = .stopping
        logger.info("shutting down", metadata: ["server.connections": "\(connections.count)"])
        listener?.cancel()
        listener = nil
        for connection in connections.values { connection.beginShutdown() }
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: configuration.shutdownGracePeriod.nanoseconds))) {
            [self] in
            guard state == .stopping else { return }
            if !connections.isEmpty {
                logger.info("shutdown deadline passed; closing connections",
                            metadata: ["server.connections": "\(connections.count)"])
            }
            for connection in connections.values { connection.forceClose() }
        }
        finishStoppingIfDone()
    }

    private func finishStoppingIfDone() {
        guard state == .stopping, connections.isEmpty else { return }
        state = .stopped
        sweepTimer?.cancel()
        sweepTimer = nil
        logger.info("stopped")
        resumeStopWaiters()
    }

    private func resumeStopWaiters() {
        let waiters = stopWaiters
        stopWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Called by the listener for each new socket; returns whether to keep accepting.
    private func accepted(_ socket: Socket, peer: SocketAddress) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard state == .running else {
            socket.close()
            return false
        }
        do {
            try socket.setNoDelay()
        } catch {
            logger.debug("TCP_NODELAY failed", metadata: ["error": "\(error)"])
        }
        nextConnectionID += 1
        let connection = Connection(
            id: nextConnectionID, socket: socket, remoteAddress: peer.description, loop: loops.next(),
            configuration: configuration,
            responder: responder, logger: logger,
            onClosed: { [weak self] connection in self?.connectionClosed(connection) })
        connections[connection.id] = connection
        connectionCount.store(connections.count, ordering: .relaxed)
        connection.start()
        if connections.count >= configuration.maxConnections {
            logger.debug("connection limit reached; pausing accept",
                         metadata: ["server.connections": "\(connections.count)"])
            listener?.pause(.connectionLimit)
            return false
        }
        return true
    }

    private func connectionClosed(_ connection: Connection) {
        queue.async { [self] in
            connections.removeValue(forKey: connection.id)
            connectionCount.store(connections.count, ordering: .relaxed)
            if let listener, listener.isPaused, connections.count < configuration.maxConnections {
                listener.resume(.connectionLimit)
            }
            finishStoppingIfDone()
        }
    }

    /// One timer for every connection's deadline: each tick looks for
    /// connections whose deadline passed and lets them act on their own loop.
    /// Cheaper than a timer per connection re-armed on every request.
    private func startSweep() {
        let shortest = configuration.timeouts.shortest.nanoseconds
        let tick = min(250_000_000, max(5_000_000, shortest / 10))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .nanoseconds(Int(tick)), repeating: .nanoseconds(Int(tick)),
                       leeway: .nanoseconds(Int(tick / 10)))
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            let now = DeadlineClock.now()  // the clock deadlines are kept in
            for connection in connections.values {
                let due = connection.deadline.load(ordering: .relaxed)
                if due != 0, due <= now {
                    connection.loop.execute { connection.checkDeadline() }
                }
            }
        }
        sweepTimer = timer
        timer.activate()
    }
}
