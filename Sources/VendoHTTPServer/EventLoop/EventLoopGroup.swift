import CSystemShims
import Glibc
import Synchronization

/// The event loops connections are spread over: one per processor, shared
/// by every server in the process and started on first use.
///
/// One loop per core keeps each request on one thread from read to write;
/// more loops than cores would only add switches. Servers hand each
/// accepted connection to the next loop in turn.
final class EventLoopGroup: Sendable {
    /// The process-wide group.
    static let shared = EventLoopGroup(count: EventLoopGroup.processorCount)

    /// The loops, each on its own thread.
    let loops: [EventLoop]
    private let nextIndex = Atomic<Int>(0)

    /// Starts `count` loops (at least one).
    init(count: Int) {
        loops = (0..<max(1, count)).map { EventLoop(name: "vendo-http-\($0)") }
    }

    /// The loop for the next connection (round robin).
    func next() -> EventLoop {
        let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[index % loops.count]
    }

    /// Processors this process may run on (its CPU affinity, so containers
    /// limited with cpusets get as many loops as they have cores).
    static var processorCount: Int {
        let usable = Int(vendo_usable_processor_count())
        return usable > 0 ? usable : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
