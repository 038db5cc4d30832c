import CSystemShims
import Dispatch
import Glibc
import Synchronization

/// What an event loop calls when a registered descriptor is ready.
/// An object on a loop that queues work for itself by number, instead of
/// in a closure: per-request work queued this way allocates nothing.
protocol EventLoopDeferredWork: AnyObject, Sendable {
    /// Runs the work queued with `token` by ``EventLoop/executeDeferred(_:token:)``.
    func runDeferred(token: UInt64)
}

/// An object on a loop whose output waits for the end of the loop's batch
/// (see ``EventLoop/sendAtEndOfBatch(_:)``).
protocol EventLoopBatchedOutput: AnyObject {
    /// Sends the output held back for the end of the batch.
    func sendBatchedOutput()
}

protocol EventLoopIOHandler: AnyObject {
    /// The descriptor can be read, or the peer closed, or it failed (a read tells which).
    func readable()
    /// The descriptor can be written, or it failed (a write tells which).
    func writable()
}

/// One thread that waits in `epoll_wait` for its descriptors and runs the
/// work handed to it: closures from `execute` and the jobs of tasks that
/// prefer it as their executor.
///
/// Why not a Dispatch source per connection: on Linux every source event
/// passes through libdispatch's manager thread twice (to deliver the event
/// to a worker, and to re-arm the descriptor after the handler ran), which
/// measured here as two thread wake-ups and about 10 µs of CPU per request,
/// more than our whole request path (`docs/performance.md`). A loop that
/// reads, parses, runs a non-suspending handler and writes on one thread,
/// without waking any other, is what nginx and SwiftNIO do.
///
/// Everything a loop owns (its registrations, the state of the connections
/// on it) is touched only on its thread; other threads reach it through
/// `execute`, which wakes the loop through an eventfd when it sleeps.
/// Work runs in submission order per submitting thread.
final class EventLoop: TaskExecutor, @unchecked Sendable {
    /// Which readiness a registration waits for.
    struct Interest: OptionSet, Sendable {
        let rawValue: UInt8
        static let read = Interest(rawValue: 1)
        static let write = Interest(rawValue: 2)
    }

    /// A name for logs and the thread list (`top -H`).
    let name: String

    private let epoll: Int32
    private let wakeDescriptor: Int32
    /// The loop's thread; written before `init` returns, never after.
    private var threadID = pthread_t()

    /// Work handed over by other threads, and whether the loop is (about to
    /// be) blocked in `epoll_wait` and so needs the eventfd to wake up.
    private struct Inbox {
        var work: [Work] = []
        var isSleeping = false
    }
    private let inbox = Mutex(Inbox())

    // Loop-thread state.
    // Loop-thread state touched for every event; no access overlaps another
    // (handlers run after the access ends), so dynamic exclusivity checks are off.
    @exclusivity(unchecked) private var pending: [Work] = []
    @exclusivity(unchecked) private var registrations: [Int32: Registration] = [:]
    /// Whose output goes out once the current batch of work has run; and
    /// a second list to swap with, so sending allocates nothing.
    @exclusivity(unchecked) private var batchedOutputs: [any EventLoopBatchedOutput] = []
    @exclusivity(unchecked) private var sendingOutputs: [any EventLoopBatchedOutput] = []
    private var nextGeneration: UInt32 = 0

    private enum Work {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
        case deferred(any EventLoopDeferredWork, token: UInt64)
    }

    private struct Registration {
        let generation: UInt32
        let handler: any EventLoopIOHandler
        var interest: Interest
    }

    /// Work items run per turn before epoll is polled again, so a stream of
    /// immediately ready work cannot starve the descriptors.
    private static let workPerTurn = 4096
    /// Readiness events taken per `epoll_wait`.
    private static let eventsPerWait: Int32 = 256
    /// Readiness events handled between two runs of the queued work, and
    /// the most work items a batched response waits behind.
    static let eventsPerDrain = 32

    /// Bytes of `readBuffer`.
    static let readBufferSize = 16 * 1024
    /// Scratch space for socket reads, used only on the loop's thread and
    /// only within one read: one buffer per loop instead of a heap allocation
    /// per read (a temporary allocation this large is not on the stack).
    /// Loops live as long as the process, so it is never freed.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: EventLoop.readBufferSize, alignment: 16)
    /// The `Date` header cache of the connections on this loop. Used only on
    /// the loop's thread, within one response, so unchecked like the
    /// loop's other state.
    @exclusivity(unchecked) var httpDate = HTTPDate()
    /// The registration token of the wake-up eventfd (generation 0 is never used for descriptors).
    private static let wakeToken: UInt64 = 0

    /// Starts a loop on a thread of its own; it runs for the life of the process.
    init(name: String) {
        self.name = name
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeDescriptor = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(epoll >= 0 && wakeDescriptor >= 0,
                     "cannot create the event loop's epoll instance or eventfd (errno \(errno))")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeToken
        precondition(epoll_ctl(epoll, EPOLL_CTL_ADD, wakeDescriptor, &event) == 0,
                     "cannot watch the event loop's eventfd (errno \(errno))")

        let started = DispatchSemaphore(value: 0)
        let context = Unmanaged.passRetained(LoopStart(loop: self, started: started)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let start = Unmanaged<LoopStart>.fromOpaque(context!).takeRetainedValue()
            start.loop.run(started: start.started)
            return nil
        }, context)
        precondition(result == 0, "cannot start the event loop's thread (error \(result))")
        pthread_detach(thread)
        started.wait()
    }

    /// Whether the caller runs on this loop's thread.
    var inEventLoop: Bool {
        pthread_equal(pthread_self(), threadID) != 0
    }

    /// Stops the process with a message when called off the loop's thread:
    /// the loop's state has no lock, so that would be a data race.
    func preconditionInEventLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(inEventLoop, "must run on event loop \(name)", file: file, line: line)
    }

    /// Runs `work` on the loop's thread, after what was submitted before it.
    func execute(_ work: @escaping @Sendable () -> Void) {
        submit(.closure(work))
    }

    /// Runs `target.runDeferred(token:)` after what was queued before it.
    /// Only on the loop's thread: for objects that live on this loop.
    func executeDeferred(_ target: any EventLoopDeferredWork, token: UInt64) {
        preconditionInEventLoop()
        pending.append(.deferred(target, token: token))
    }

    /// Calls `output.sendBatchedOutput()` once the loop has run the work it
    /// is running now, before it reads more sockets or waits: at the latest
    /// after `eventsPerDrain` more work items.
    ///
    /// Why responses wait for the batch: the loop then runs a batch's
    /// handlers back to back and makes its `send`s back to back, instead of
    /// going from user code into the TCP stack and back for every request.
    /// With the handler server under `wrk` that took about 1 µs of user
    /// and 1 µs of system time off each request and raised requests/s by a
    /// median 11 % at 64 connections and 5 % at 256 (docs/performance.md,
    /// Session 7). The price is a delay of at most `eventsPerDrain` work
    /// items per response (about the requests of one batch of readiness
    /// events). Only on the loop's thread; the caller asks once per batch
    /// (a second call sends twice).
    func sendAtEndOfBatch(_ output: any EventLoopBatchedOutput) {
        preconditionInEventLoop()
        batchedOutputs.append(output)
    }

    /// `TaskExecutor`: runs a task's job on the loop's thread.
    func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    /// Starts `operation` as a task preferring this loop, so a handler that
    /// does not suspend elsewhere runs right after the read that produced
    /// its request, on the same thread.
    func spawn(_ operation: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        if #available(macOS 15.0, iOS 18.0, *) {
            return Task(executorPreference: self, operation: operation)
        } else {
            return Task(operation: operation)
        }
    }

    // MARK: - Descriptors (loop thread only)

    /// Starts watching `descriptor` for `interest`; `handler` is kept until
    /// `deregister`. False (with `errno`) when the kernel refused, e.g. out of
    /// memory or over `max_user_watches`.
    @discardableResult
    func register(_ descriptor: Int32, interest: Interest, handler: any EventLoopIOHandler) -> Bool {
        preconditionInEventLoop()
        nextGeneration &+= 1
        if nextGeneration == 0 { nextGeneration = 1 }
        // Starts from no interest, so the epoll entry is (re)added: a stale
        // entry for this number (closed or replaced by dup2 without
        // `deregister`) is already gone from the kernel's set.
        let registration = Registration(generation: nextGeneration, handler: handler, interest: [])
        registrations[descriptor] = registration
        return setInterest(descriptor, interest)
    }

    /// Changes what `descriptor` is watched for. With no interest the
    /// descriptor leaves the epoll set: a level-triggered hang-up would
    /// otherwise be reported over and over. False (with `errno`) when the
    /// kernel refused; the old interest then stays.
    @discardableResult
    func setInterest(_ descriptor: Int32, _ interest: Interest) -> Bool {
        preconditionInEventLoop()
        guard var registration = registrations[descriptor] else { return false }
        guard registration.interest != interest else { return true }
        let operation: Int32
        if interest.isEmpty {
            operation = EPOLL_CTL_DEL
        } else if registration.interest.isEmpty {
            operation = EPOLL_CTL_ADD
        } else {
            operation = EPOLL_CTL_MOD
        }
        var event = epoll_event()
        event.events = (interest.contains(.read) ? EPOLLIN.rawValue | EPOLLRDHUP.rawValue : 0)
            | (interest.contains(.write) ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(registration.generation) << 32 | UInt64(UInt32(bitPattern: descriptor))
        guard epoll_ctl(epoll, operation, descriptor, &event) == 0 else { return false }
        registration.interest = interest
        registrations[descriptor] = registration
        return true
    }

    /// Stops watching `descriptor` and drops its handler. Call before closing it.
    func deregister(_ descriptor: Int32) {
        preconditionInEventLoop()
        guard let registration = registrations.removeValue(forKey: descriptor) else { return }
        if !registration.interest.isEmpty {
            _ = epoll_ctl(epoll, EPOLL_CTL_DEL, descriptor, nil)
        }
    }

    // MARK: - The loop

    private func submit(_ work: Work) {
        if inEventLoop {
            pending.append(work)
            return
        }
        let mustWake = inbox.withLock { inbox -> Bool in
            inbox.work.append(work)
            let wasSleeping = inbox.isSleeping
            inbox.isSleeping = false
            return wasSleeping
        }
        if mustWake {
            var one: UInt64 = 1
            _ = write(wakeDescriptor, &one, 8)
        }
    }

    private func run(started: DispatchSemaphore) {
        threadID = pthread_self()
        vendo_set_thread_name(name)
        started.signal()
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(Self.eventsPerWait))
        var incoming: [Work] = []
        while true {
            let mayBlock = pending.isEmpty && inbox.withLock { inbox -> Bool in
                guard inbox.work.isEmpty else { return false }
                inbox.isSleeping = true
                return true
            }
            let count = epoll_wait(epoll, events, Self.eventsPerWait, mayBlock ? -1 : 0)
            if count > 0 {
                for index in 0..<Int(count) {
                    handle(events[index])
                    // Run what the last few events started (mostly handler
                    // tasks for the requests just read) before reading more
                    // sockets: at most `eventsPerDrain` requests in flight
                    // on this thread, so memory stays flat under many busy
                    // connections, while reads and sends still come in
                    // batches (one drain per event measured 30 % slower;
                    // with sends batched too, 32 events served 6–8 % more
                    // than 8, and 64 no more than 32).
                    if index % Self.eventsPerDrain == Self.eventsPerDrain - 1,
                       !pending.isEmpty || !batchedOutputs.isEmpty {
                        runPending()
                        sendBatchedOutputs()
                    }
                }
            }
            inbox.withLock { inbox in
                inbox.isSleeping = false
                if !inbox.work.isEmpty { swap(&inbox.work, &incoming) }
            }
            if !incoming.isEmpty {
                pending.append(contentsOf: incoming)
                incoming.removeAll(keepingCapacity: true)
            }
            runPending()
            sendBatchedOutputs()
        }
    }

    /// Sends the output held for the work that just ran. Sending may start
    /// a pipelined request, whose work runs with the next queued work.
    private func sendBatchedOutputs() {
        while !batchedOutputs.isEmpty {
            swap(&batchedOutputs, &sendingOutputs)
            for output in sendingOutputs { output.sendBatchedOutput() }
            sendingOutputs.removeAll(keepingCapacity: sendingOutputs.capacity <= 1024)
        }
    }

    private func handle(_ event: epoll_event) {
        let token = event.data.u64
        if token == Self.wakeToken {
            var value: UInt64 = 0
            _ = read(wakeDescriptor, &value, 8)
            return
        }
        let descriptor = Int32(bitPattern: UInt32(truncatingIfNeeded: token))
        let generation = UInt32(truncatingIfNeeded: token >> 32)
        // An event from earlier in this batch may have deregistered it.
        guard let current = registrations[descriptor], current.generation == generation else { return }
        let flags = event.events
        let failed = flags & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        if flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 || failed, current.interest.contains(.read) {
            current.handler.readable()
        }
        // The read handler may have closed the descriptor, or stopped wanting writes.
        if flags & EPOLLOUT.rawValue != 0 || failed,
           let registration = registrations[descriptor], registration.generation == generation,
           registration.interest.contains(.write) {
            registration.handler.writable()
        }
    }

    /// Runs queued work, including what it queues in turn, up to `workPerTurn` items.
    private func runPending() {
        var index = 0
        while index < pending.count, index < Self.workPerTurn {
            // A long run of work (the turn's inbox, many resumed tasks)
            // does not hold finished responses back for all of it.
            if index % Self.eventsPerDrain == 0, index > 0, !batchedOutputs.isEmpty { sendBatchedOutputs() }
            let work = pending[index]
            index += 1
            switch work {
            case .job(let job):
                job.runSynchronously(on: asUnownedTaskExecutor())
            case .closure(let closure):
                closure()
            case .deferred(let target, let token):
                target.runDeferred(token: token)
            }
        }
        if index == pending.count {
            pending.removeAll(keepingCapacity: pending.capacity <= 1024)
        } else {
            pending.removeFirst(index)
        }
    }
}

/// What a new loop thread needs to start.
private final class LoopStart {
    let loop: EventLoop
    let started: DispatchSemaphore

    init(loop: EventLoop, started: DispatchSemaphore) {
        self.loop = loop
        self.started = started
    }
}
