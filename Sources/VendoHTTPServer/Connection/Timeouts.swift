#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension HTTPServer.Configuration {
    /// How long a client may take at each stage of a connection. Slow clients
    /// (slowloris) are cut off; a `408 Request Timeout` with
    /// `Connection: close` is sent when a response is still possible.
    public struct Timeouts: Sendable, Equatable {
        /// From the first byte of a request until its head is complete
        /// (`408` + close when it passes).
        public var headerRead: Duration
        /// Reading the body while the server waits for it: from the end of the
        /// head (or from `100 Continue`) to the end of the body; restarts when
        /// reading resumes after the handler fell behind (`408` + close).
        public var bodyRead: Duration
        /// A kept-alive connection with no request in progress (closed silently).
        public var idle: Duration
        /// A response write that makes no progress: the client is not reading
        /// (closed).
        public var write: Duration
        /// After the server decides to close, how long it keeps reading and
        /// discarding input so the kernel does not reset the connection before
        /// the client has read the last response.
        public var lingeringClose: Duration

        /// Timeouts; every parameter has its default.
        ///
        /// - Parameters:
        ///   - headerRead: `10` seconds.
        ///   - bodyRead: `30` seconds.
        ///   - idle: `5` seconds.
        ///   - write: `30` seconds.
        ///   - lingeringClose: `2` seconds.
        public init(
            headerRead: Duration = .seconds(10),
            bodyRead: Duration = .seconds(30),
            idle: Duration = .seconds(5),
            write: Duration = .seconds(30),
            lingeringClose: Duration = .seconds(2)
        ) {
            self.headerRead = headerRead
            self.bodyRead = bodyRead
            self.idle = idle
            self.write = write
            self.lingeringClose = lingeringClose
        }

        /// The shortest timeout: the deadline sweep runs often enough for it.
        var shortest: Duration {
            [headerRead, bodyRead, idle, write, lingeringClose].min()!
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating; for Dispatch's monotonic clock.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (sum, overflow2) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow2 ? .max : sum
    }
}

/// ``HTTPServer/Configuration/Timeouts`` in whole nanoseconds, converted once per
/// connection: the conversion is 128-bit arithmetic, and deadlines move on
/// every request.
struct TimeoutNanoseconds {
    let headerRead: UInt64
    let bodyRead: UInt64
    let idle: UInt64
    let write: UInt64
    let lingeringClose: UInt64

    init(_ timeouts: HTTPServer.Configuration.Timeouts) {
        headerRead = timeouts.headerRead.nanoseconds
        bodyRead = timeouts.bodyRead.nanoseconds
        idle = timeouts.idle.nanoseconds
        write = timeouts.write.nanoseconds
        lingeringClose = timeouts.lingeringClose.nanoseconds
    }
}

/// The clock connection deadlines are kept in: `CLOCK_MONOTONIC_COARSE`, in
/// nanoseconds.
///
/// A request reads it about three times. The coarse clock is the monotonic
/// clock as of the kernel's last tick (1–4 ms old): read from the vDSO page
/// without a timestamp-counter read or `DispatchTime`'s conversions, and
/// precise enough for timeouts of a second or more.
enum DeadlineClock {
    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
