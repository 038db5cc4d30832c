#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Seconds on the system's monotonic clock (`CLOCK_MONOTONIC`), for the
/// per-delivery timings on the hot path (the dedupe window's expiry, handler
/// latency). Read directly: `ContinuousClock.now` and turning a `Duration`
/// into seconds cost two 128-bit multiplications and a division per delivery.
/// (Handler deadlines keep `ContinuousClock`: read once per handler that
/// suspends, and `Duration` is what they are given in.)
enum MonotonicTime {
    static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}
