import Dispatch

/// Runs a connection's handler tasks on the connection's own serial queue.
///
/// Without it every request would hop from the connection's queue to the
/// concurrency pool and back, waking a thread each way; with it a handler
/// that does not suspend elsewhere runs on the thread that read the request,
/// right after the read, and its response is written in the same drain.
/// A handler that awaits other executors still hops; its continuation comes
/// back here.
final class ConnectionExecutor: TaskExecutor {
    let queue: DispatchQueue

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    /// Starts `operation` as a task preferring this executor.
    func spawn(_ operation: sending @escaping @isolated(any) () async -> Void) -> Task<Void, Never> {
        if #available(macOS 15.0, iOS 18.0, *) {
            return Task(executorPreference: self, operation: operation)
        } else {
            return Task(operation: operation)
        }
    }
}
