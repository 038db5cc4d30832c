#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import VendoHTTPServer

/// A connection whose descriptor the kernel refuses to watch (epoll_ctl fails,
/// as it does when `max_user_watches` runs out) closes at once, says why, and
/// reports itself closed, instead of sitting unwatched forever.
@Suite struct UnwatchableSocketTests {
    @Test func aConnectionTheLoopCannotWatchClosesAndSaysWhy() async throws {
        // A regular file stands in for the socket: epoll refuses it with EPERM.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("unwatchable-\(getpid())").path
        let file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(file >= 0)
        defer { unlink(path) }

        let recorder = LogRecorder()
        let loop = EventLoopTests.loop  // loops live as long as the process: share one
        let closedIDs = Recorder<UInt64>()
        let connection = Connection(
            id: 77, socket: Socket(descriptor: .init(rawValue: file)), remoteAddress: "test",
            loop: loop, configuration: HTTPServer.Configuration(), responder: NeverCalled(),
            logger: recorder.logger(level: .debug), onClosed: { closedIDs.append($0.id) })
        connection.start()
        // Bounded: a connection left unwatched would never close by itself.
        #expect(await eventually(timeout: .seconds(5)) { closedIDs.all == [77] })
        let closed = try #require(recorder.all.first { $0.message == "connection closed" })
        let reason = closed.metadata["reason"] ?? ""
        #expect(reason.contains("cannot watch the socket"), "\(reason)")
        #expect(reason.contains("Operation not permitted"), "the kernel's reason (EPERM): \(reason)")
        // The descriptor was closed: it no longer names our file (its number
        // may already belong to something else).
        let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(file)")) ?? ""
        #expect(link != path)
    }

    private struct NeverCalled: HTTPResponder {
        func respond(to request: HTTPRequest) async throws -> HTTPResponse {
            Issue.record("no request can arrive on an unwatched connection")
            return HTTPResponse(status: .internalServerError)
        }
    }
}
