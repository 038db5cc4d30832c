#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps a result alive so the optimiser cannot delete the work that made it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Nanoseconds on `clock`.
func nanoseconds(_ clock: clockid_t) -> UInt64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Monotonic wall-clock nanoseconds.
func nowNanoseconds() -> UInt64 { nanoseconds(CLOCK_MONOTONIC) }

/// CPU nanoseconds used by this thread: unlike wall time, it does not count
/// time spent descheduled, so it stays meaningful on a shared, loaded machine.
func threadCPUNanoseconds() -> UInt64 { nanoseconds(CLOCK_THREAD_CPUTIME_ID) }

/// CPU nanoseconds used by the whole process: for async work, which may hop threads.
func processCPUNanoseconds() -> UInt64 { nanoseconds(CLOCK_PROCESS_CPUTIME_ID) }

/// One measurement: nanoseconds per operation over several rounds.
struct Measurement {
    let name: String
    /// Thread CPU ns/op, one per round.
    let cpu: [Double]
    /// Wall-clock ns/op, one per round.
    let wall: [Double]
    var cpuMedian: Double { Self.median(cpu) }
    var wallMedian: Double { Self.median(wall) }
    var cpuBest: Double { cpu.min()! }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}

/// Runs `operation` in rounds of `iterations` after a warm-up and reports
/// ns/op per round, CPU and wall. The Python side uses the same clocks.
func measure(_ name: String, iterations: Int, rounds: Int, _ operation: () throws -> Void) rethrows -> Measurement {
    for _ in 0..<max(1, iterations / 10) { try operation() }
    var cpu: [Double] = []
    var wall: [Double] = []
    for _ in 0..<rounds {
        let startWall = nowNanoseconds()
        let startCPU = threadCPUNanoseconds()
        for _ in 0..<iterations { try operation() }
        cpu.append(Double(threadCPUNanoseconds() - startCPU) / Double(iterations))
        wall.append(Double(nowNanoseconds() - startWall) / Double(iterations))
    }
    return Measurement(name: name, cpu: cpu, wall: wall)
}

/// `1234.5` → `"1234.5"` with one decimal, right-aligned to `width`.
func format(_ value: Double, width: Int = 10) -> String {
    let text = String((value * 10).rounded() / 10)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}

func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}
