#if canImport(Glibc)
import Glibc
#endif
import CSystemShims
import Dispatch
import Foundation
import Synchronization
import Testing
@testable import VendoHTTPServer

/// The event loop on its own: where work runs, in what order, and what
/// readiness it reports for real descriptors (pipes).
@Suite struct EventLoopTests {
    /// One loop for the whole suite: loops live for the life of the process.
    static let loop = EventLoop(name: "test-loop")

    @Test func workFromAnotherThreadRunsOnTheLoopInOrder() async {
        let loop = Self.loop
        let seen = Mutex<[Int]>([])
        let onLoop = Mutex<[Bool]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for value in 0..<1_000 {
                loop.execute {
                    seen.withLock { $0.append(value) }
                    onLoop.withLock { $0.append(loop.inEventLoop) }
                    if value == 999 { done.resume() }
                }
            }
        }
        #expect(seen.withLock { $0 } == Array(0..<1_000))
        #expect(onLoop.withLock { $0.allSatisfy { $0 } })
        #expect(!loop.inEventLoop)
    }

    @Test func aSleepingLoopWakesForWorkFromAnotherThread() async throws {
        let loop = Self.loop
        for _ in 0..<20 {
            // Give the loop time to block in epoll_wait, then hand it work.
            try await Task.sleep(for: .milliseconds(5))
            let ran = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
                DispatchQueue.global().async {
                    loop.execute { done.resume(returning: loop.inEventLoop) }
                }
            }
            #expect(ran)
        }
    }

    @Test func deferredWorkRunsWithItsTokenInOrderWithClosures() async {
        /// Records the tokens it is run with, and whether on the loop.
        final class Target: EventLoopDeferredWork, @unchecked Sendable {
            var ran: [String] = []  // touched only on the loop
            func runDeferred(token: UInt64) {
                ran.append("token \(token)\(EventLoopTests.loop.inEventLoop ? "" : " off the loop")")
            }
        }
        let loop = Self.loop
        let target = Target()
        let ran = await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
            loop.execute {
                loop.executeDeferred(target, token: 7)
                loop.execute { target.ran.append("closure") }
                loop.executeDeferred(target, token: 8)
                loop.execute { done.resume(returning: target.ran) }
                target.ran.append("current")
            }
        }
        #expect(ran == ["current", "token 7", "closure", "token 8"])
    }

    @Test func workQueuedOnTheLoopRunsAfterTheCurrentItem() async {
        let loop = Self.loop
        let order = await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
            loop.execute {
                nonisolated(unsafe) var order: [String] = []
                loop.execute {
                    order.append("second")
                    done.resume(returning: order)
                }
                order.append("first")
            }
        }
        #expect(order == ["first", "second"])
    }

    /// Records, on the loop, when its batched output is sent; the first
    /// send can batch another output, as a pipelined response does.
    final class OutputRecorder: EventLoopBatchedOutput, @unchecked Sendable {
        let name: String
        var log: (String) -> Void = { _ in }
        var whenSent: () -> Void = {}
        init(_ name: String) { self.name = name }
        func sendBatchedOutput() {
            log("\(name) sent\(EventLoopTests.loop.inEventLoop ? "" : " off the loop")")
            whenSent()
        }
    }

    @Test(.timeLimit(.minutes(1))) func batchedOutputIsSentOnceTheWorkQueuedBeforeItHasRun() async {
        let loop = Self.loop
        let first = OutputRecorder("first")
        let second = OutputRecorder("second")
        let order = await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
            loop.execute {
                nonisolated(unsafe) var order: [String] = []
                for recorder in [first, second] { recorder.log = { order.append($0) } }
                loop.sendAtEndOfBatch(first)
                loop.execute { order.append("work queued after it") }
                // Sending one output can batch another (the next pipelined
                // response): it goes out before the loop waits again.
                first.whenSent = { loop.sendAtEndOfBatch(second) }
                second.whenSent = { done.resume(returning: order) }
                order.append("current work")
            }
        }
        #expect(order == ["current work", "work queued after it", "first sent", "second sent"])
    }

    @Test(.timeLimit(.minutes(1))) func batchedOutputWaitsForAtMostOneBatchOfLaterWork() async {
        let loop = Self.loop
        let output = OutputRecorder("output")
        let order = await withCheckedContinuation { (done: CheckedContinuation<[String], Never>) in
            loop.execute {
                nonisolated(unsafe) var order: [String] = []
                output.log = { order.append($0) }
                loop.sendAtEndOfBatch(output)
                for index in 0..<(3 * EventLoop.eventsPerDrain) {
                    loop.execute { order.append("work \(index)") }
                }
                loop.execute { done.resume(returning: order) }
                order.append("current work")
            }
        }
        let sentAt = order.firstIndex(of: "output sent")
        #expect(order.count == 3 * EventLoop.eventsPerDrain + 2)
        #expect(sentAt.map { $0 > 0 && $0 <= EventLoop.eventsPerDrain } == true,
                "sent after the current work and before more than one batch of later work: \(order)")
    }

    @Test func tasksThatPreferTheLoopRunOnIt() async {
        let loop = Self.loop
        let results = Mutex<[Bool]>([])
        let task = loop.spawn {
            results.withLock { $0.append(loop.inEventLoop) }
            await Task.yield()
            results.withLock { $0.append(loop.inEventLoop) }
            // A hop elsewhere comes back to the loop.
            _ = await Task.detached { 1 }.value
            results.withLock { $0.append(loop.inEventLoop) }
        }
        await task.value
        #expect(results.withLock { $0 } == [true, true, true])
    }

    @Test func reportsReadableAndWritablePipesAndStopsWhenInterestIsRemoved() async throws {
        let loop = Self.loop
        var fds: [Int32] = [0, 0]
        #expect(vendo_pipe_cloexec(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer {
            close(readEnd)
            close(writeEnd)
        }
        #expect(fcntl(readEnd, F_SETFL, O_NONBLOCK) == 0)
        let recorder = ReadinessRecorder(loop: loop, descriptor: readEnd)

        // Readable once bytes are there; the handler reads them all.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                recorder.onRead = { done.resume() }
                #expect(loop.register(readEnd, interest: .read, handler: recorder))
                var byte: UInt8 = 42
                _ = write(writeEnd, &byte, 1)
            }
        }
        #expect(recorder.bytesRead == 1)

        // With no interest, pending input is not reported (and does not spin).
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                recorder.onRead = nil
                #expect(loop.setInterest(readEnd, []))
                var bytes: [UInt8] = [1, 2, 3]
                _ = write(writeEnd, &bytes, 3)
                done.resume()
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        let callsWhileOff = await onLoop(loop) { recorder.readCalls }
        #expect(callsWhileOff == 1)

        // Interest back: the waiting bytes are reported.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                recorder.onRead = { done.resume() }
                #expect(loop.setInterest(readEnd, .read))
            }
        }
        #expect(recorder.bytesRead == 4)

        // Deregistered: its handler is dropped and never called again.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                loop.deregister(readEnd)
                recorder.onRead = nil
                var byte: UInt8 = 7
                _ = write(writeEnd, &byte, 1)
                done.resume()
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await onLoop(loop) { recorder.readCalls } == 2)
        #expect(await onLoop(loop) { loop.setInterest(readEnd, .read) } == false)

        // The write end of a pipe with room is writable.
        let writer = ReadinessRecorder(loop: loop, descriptor: writeEnd)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                writer.onWrite = {
                    writer.onWrite = nil
                    loop.deregister(writeEnd)
                    done.resume()
                }
                #expect(loop.register(writeEnd, interest: .write, handler: writer))
            }
        }
        #expect(writer.writeCalls == 1)
    }

    @Test func registeringAnInvalidDescriptorFailsInsteadOfCrashing() async {
        let loop = Self.loop
        // Not a closed descriptor of our own: a parallel test could reuse its number.
        let invalid: Int32 = -1
        let recorder = ReadinessRecorder(loop: loop, descriptor: invalid)
        let registered = await onLoop(loop) { loop.register(invalid, interest: .read, handler: recorder) }
        #expect(!registered)
        await onLoop(loop) { loop.deregister(invalid) }
        #expect(await onLoop(loop) { loop.setInterest(invalid, .read) } == false)
    }

    @Test(.timeLimit(.minutes(1))) func reRegisteringADescriptorReplacedBehindTheLoopsBackWatchesTheNewFile() async throws {
        let loop = Self.loop
        var first: [Int32] = [0, 0]
        var second: [Int32] = [0, 0]
        #expect(vendo_pipe_cloexec(&first) == 0)
        #expect(vendo_pipe_cloexec(&second) == 0)
        let (number, firstWriter, secondReader, secondWriter) = (first[0], first[1], second[0], second[1])
        defer {
            close(number)
            close(firstWriter)
            close(secondReader)
            close(secondWriter)
        }
        let old = ReadinessRecorder(loop: loop, descriptor: number)
        #expect(await onLoop(loop) { loop.register(number, interest: .read, handler: old) })
        // The number now names the second pipe's read end; the kernel dropped
        // the first pipe's epoll entry, the loop's table still has it.
        #expect(dup2(secondReader, number) == number)
        #expect(fcntl(number, F_SETFL, O_NONBLOCK) == 0)

        let fresh = ReadinessRecorder(loop: loop, descriptor: number)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                fresh.onRead = { done.resume() }
                #expect(loop.register(number, interest: .read, handler: fresh))
                var byte: UInt8 = 1
                _ = write(secondWriter, &byte, 1)
            }
        }
        #expect(fresh.bytesRead == 1)
        #expect(old.readCalls == 0)
        await onLoop(loop) { loop.deregister(number) }
    }

    @Test func theSharedGroupHasALoopPerUsableProcessor() throws {
        let group = EventLoopGroup.shared
        #expect(group.loops.count == EventLoopGroup.processorCount)
        // Against an independent source: the kernel's list of allowed CPUs.
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        let allowed = line.split(separator: ":")[1].split(separator: ",").reduce(0) { total, range in
            let bounds = range.trimmingCharacters(in: .whitespaces).split(separator: "-").compactMap { Int($0) }
            return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1)
        }
        #expect(group.loops.count == allowed)
        // Round robin: every loop is handed out before any repeats.
        let handedOut = (0..<group.loops.count).map { _ in ObjectIdentifier(group.next()) }
        #expect(Set(handedOut).count == group.loops.count)
    }

    @Test func aDescriptorTheKernelWillNotWatchIsRefusedAndTheLoopGoesOn() async throws {
        // epoll refuses regular files (EPERM): the same path as running out of
        // watches, which cannot be provoked here.
        let loop = Self.loop
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("epoll-refusal-\(getpid())").path
        let file = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(file >= 0)
        defer {
            close(file)
            unlink(path)
        }
        let recorder = ReadinessRecorder(loop: loop, descriptor: file)
        let (registered, error) = await onLoop(loop) { () -> (Bool, Int32) in
            let registered = loop.register(file, interest: .read, handler: recorder)
            let error = errno
            loop.deregister(file)
            return (registered, error)
        }
        #expect(!registered)
        #expect(error == EPERM)

        // The loop still watches what it can.
        var fds: [Int32] = [0, 0]
        #expect(vendo_pipe_cloexec(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        #expect(fcntl(readEnd, F_SETFL, O_NONBLOCK) == 0)
        let pipeRecorder = ReadinessRecorder(loop: loop, descriptor: readEnd)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            loop.execute {
                pipeRecorder.onRead = {
                    loop.deregister(readEnd)
                    done.resume()
                }
                guard loop.register(readEnd, interest: .read, handler: pipeRecorder) else {
                    Issue.record("the loop refused a pipe after refusing a file")
                    done.resume()
                    return
                }
                var byte: UInt8 = 1
                _ = write(writeEnd, &byte, 1)
            }
        }
        #expect(pipeRecorder.bytesRead == 1)
    }

    /// Runs `body` on the loop and returns its result.
    private func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (done: CheckedContinuation<T, Never>) in
            loop.execute { done.resume(returning: body()) }
        }
    }
}

/// Counts the readiness calls for one descriptor; touched only on its loop.
private final class ReadinessRecorder: EventLoopIOHandler, @unchecked Sendable {
    let loop: EventLoop
    let descriptor: Int32
    var readCalls = 0
    var writeCalls = 0
    var bytesRead = 0
    var onRead: (() -> Void)?
    var onWrite: (() -> Void)?

    init(loop: EventLoop, descriptor: Int32) {
        self.loop = loop
        self.descriptor = descriptor
    }

    func readable() {
        loop.preconditionInEventLoop()
        readCalls += 1
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            bytesRead += count
        }
        onRead?()
    }

    func writable() {
        loop.preconditionInEventLoop()
        writeCalls += 1
        onWrite?()
    }
}
