/// A responder that can often answer without suspending. The server offers
/// it each request whose body is already in memory (it came with the head,
/// or there is none) before starting a task for the request.
///
/// Answering here skips the task, its frames and a trip through the event
/// loop's queue: for a small request that is a large part of the server's
/// own work. Return `nil` to have the request go on to
/// ``HTTPResponder/respond(to:)`` in a task as usual; the server then always
/// calls it, with the request as this method left it, so work done here can
/// be handed on through `request.userInfo` instead of being repeated.
///
/// This runs on the connection's event-loop thread, between reads of other
/// connections: it must be quick and must never block (no I/O, no waiting).
/// A ``Router`` without middleware forwards it to the matched route;
/// middleware wrappers do not (the middleware must see every request).
public protocol HTTPImmediateResponder: HTTPResponder {
    /// The response when it can be given now, else `nil` (see the protocol).
    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse?

    /// Whether the server should offer requests at all; read once, when a
    /// connection opens. `true` unless a conformer knows it will never
    /// answer early (a ``Router`` with no immediate route): offering a
    /// request costs a trip through the event loop's queue before its task.
    var answersImmediately: Bool { get }
}

extension HTTPImmediateResponder {
    /// `true`: offer every request whose body is in memory.
    public var answersImmediately: Bool { true }
}
