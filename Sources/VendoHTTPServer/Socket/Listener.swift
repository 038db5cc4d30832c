import Dispatch

/// A listening socket whose accepts are driven by a Dispatch read source on
/// one serial queue. Accepting can be paused (connection limit reached) and
/// resumed; cancelling closes the socket once the source has let go of it.
///
/// Owned by its queue: call every method on `queue`.
final class Listener: @unchecked Sendable {
    /// The bound address (with the real port when port 0 was asked for).
    let address: SocketAddress
    /// The queue that runs the accept handler and owns this object's state.
    let queue: DispatchQueue

    private let socket: Socket
    private let source: DispatchSourceRead
    private var pauseReasons: Set<PauseReason> = []
    private var isCancelled = false
    private var isActivated = false

    /// Binds and listens on `address`; accepting starts with `activate`.
    /// `onAccept` runs on `queue` for every accepted socket and returns whether
    /// to keep accepting in this round (false when a limit was reached).
    init(address: SocketAddress, backlog: Int32, queue: DispatchQueue,
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
        self.source = DispatchSource.makeReadSource(fileDescriptor: socket.descriptor.rawValue, queue: queue)
        source.setEventHandler { [unowned self] in
            self.acceptPending(onAccept: onAccept, onError: onError)
        }
        source.setCancelHandler {
            // The source no longer watches the descriptor: now it may be closed.
            socket.close()
        }
    }

    /// Starts accepting.
    func activate() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isActivated, !isCancelled else { return }
        isActivated = true
        source.activate()
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
        let wasPaused = !pauseReasons.isEmpty
        pauseReasons.insert(reason)
        if !wasPaused { source.suspend() }
    }

    /// Lifts one reason for pausing; accepting resumes when none is left.
    func resume(_ reason: PauseReason) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isCancelled, pauseReasons.remove(reason) != nil, pauseReasons.isEmpty else { return }
        source.resume()
    }

    /// Whether accepting is paused.
    var isPaused: Bool { !pauseReasons.isEmpty }

    /// Stops listening for good and closes the socket (from the source's
    /// cancel handler, once Dispatch no longer uses the descriptor).
    func cancel() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isCancelled else { return }
        isCancelled = true
        if !isActivated {
            isActivated = true
            source.activate()
        }
        if !pauseReasons.isEmpty {
            pauseReasons = []
            source.resume()
        }
        source.cancel()
    }

    /// Accepts every pending connection (up to a batch, to stay fair to other
    /// work on the queue); Dispatch calls again while more are pending.
    private func acceptPending(onAccept: (Socket, SocketAddress) -> Bool, onError: (SocketError) -> Void) {
        for _ in 0..<64 {
            guard !isPaused, !isCancelled else { return }
            do {
                guard let (client, peer) = try socket.accept() else { return }
                if !onAccept(client, peer) { return }
            } catch {
                // EMFILE/ENFILE and friends: the pending connection stays in the
                // backlog and the source fires again; pause briefly instead of spinning.
                onError(error)
                pause(.acceptFailed)
                queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
                    self?.resume(.acceptFailed)
                }
                return
            }
        }
    }
}
