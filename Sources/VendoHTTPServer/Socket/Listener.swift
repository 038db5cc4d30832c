import Dispatch

/// A listening socket. An event loop watches it; the accepting itself, and
/// every decision about it, happen on the server's serial queue. Accepting
/// can be paused (connection limit reached) and resumed; cancelling closes
/// the socket once the loop has let go of it.
///
/// The watch is one-shot: when the socket becomes readable the loop stops
/// watching and hands over to `queue`, which accepts what is pending and
/// then asks the loop to watch again (unless paused). So the loop never
/// spins on a backlog the queue has not drained yet, and pausing needs no
/// race with an event already on its way.
///
/// Owned by its queue: call every method except the `EventLoopIOHandler`
/// ones (the loop's) on `queue`.
final class Listener: EventLoopIOHandler, @unchecked Sendable {
    /// The bound address (with the real port when port 0 was asked for).
    let address: SocketAddress
    /// The queue that runs the accepts and owns this object's state.
    let queue: DispatchQueue

    private let socket: Socket
    private let loop: EventLoop
    private let onAccept: (Socket, SocketAddress) -> Bool
    private let onError: (SocketError) -> Void
    private var pauseReasons: Set<PauseReason> = []
    private var isCancelled = false
    private var isActivated = false
    /// Whether the loop was asked to watch (and has not reported since).
    private var isWatching = false

    /// How long to wait before watching again after the loop refused to.
    private static let retryDelay = DispatchTimeInterval.milliseconds(100)

    /// Binds and listens on `address`; accepting starts with `activate`.
    /// `onAccept` runs on `queue` for every accepted socket and returns whether
    /// to keep accepting in this round (false when a limit was reached).
    init(address: SocketAddress, backlog: Int32, queue: DispatchQueue, loop: EventLoop,
         onAccept: @escaping (Socket, SocketAddress) -> Bool,
         onError: @escaping (SocketError) -> Void) throws(SocketError) {
        let socket = try Socket.makeListening(address: address, backlog: backlog)
        let bound: SocketAddress
        do {
            bound = try socket.localAddress()
        } catch {
            socket.close()
            throw error
        }
        self.socket = socket
        self.address = bound
        self.queue = queue
        self.loop = loop
        self.onAccept = onAccept
        self.onError = onError
    }

    /// Starts accepting.
    func activate() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isActivated, !isCancelled else { return }
        isActivated = true
        watch()
    }

    /// Why accepting is paused; it resumes when no reason is left.
    enum PauseReason: Hashable, Sendable {
        /// The server has as many connections as it allows.
        case connectionLimit
        /// `accept` failed (e.g. out of descriptors): wait a moment before retrying.
        case acceptFailed
    }

    /// Stops taking connections from the backlog until `resume(_:)` with the same reason.
    func pause(_ reason: PauseReason) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard isActivated, !isCancelled else { return }
        pauseReasons.insert(reason)
        unwatch()
    }

    /// Lifts one reason for pausing; accepting resumes when none is left.
    func resume(_ reason: PauseReason) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isCancelled, pauseReasons.remove(reason) != nil else { return }
        watch()
    }

    /// Whether accepting is paused.
    var isPaused: Bool { !pauseReasons.isEmpty }

    /// Stops listening for good; the socket is closed on the loop once it no
    /// longer watches it.
    func cancel() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isCancelled else { return }
        isCancelled = true
        pauseReasons = []
        isWatching = false
        let descriptor = socket.descriptor.rawValue
        loop.execute { [self] in
            loop.deregister(descriptor)
            socket.close()
        }
    }

    // MARK: - Watching (the loop's side)

    func readable() {
        loop.preconditionInEventLoop()
        loop.deregister(socket.descriptor.rawValue)
        queue.async { [self] in
            isWatching = false
            acceptPending()
            watch()
        }
    }

    func writable() {}

    // MARK: - Accepting (the queue's side)

    private func watch() {
        guard isActivated, !isCancelled, pauseReasons.isEmpty, !isWatching else { return }
        isWatching = true
        let descriptor = socket.descriptor.rawValue
        loop.execute { [self] in
            guard !loop.register(descriptor, interest: .read, handler: self) else { return }
            let error = SocketError.makeFailed("epoll_ctl(listening socket)")
            queue.async { [self] in
                isWatching = false
                pauseBriefly(after: error)
            }
        }
    }

    /// Reports `error` and stops accepting for `retryDelay`, then tries again.
    private func pauseBriefly(after error: SocketError) {
        onError(error)
        pause(.acceptFailed)
        queue.asyncAfter(deadline: .now() + Self.retryDelay) { [weak self] in
            self?.resume(.acceptFailed)
        }
    }

    private func unwatch() {
        guard isWatching else { return }
        isWatching = false
        let descriptor = socket.descriptor.rawValue
        loop.execute { [self] in loop.deregister(descriptor) }
    }

    /// Accepts every pending connection, up to a batch so other work on the
    /// queue gets its turn; the loop reports again while more are pending.
    private func acceptPending() {
        for _ in 0..<64 {
            guard !isPaused, !isCancelled else { return }
            do {
                guard let (client, peer) = try socket.accept() else { return }
                if !onAccept(client, peer) { return }
            } catch {
                // EMFILE/ENFILE and friends: the pending connection stays in the
                // backlog; pause briefly instead of spinning.
                pauseBriefly(after: error)
                return
            }
        }
    }
}
