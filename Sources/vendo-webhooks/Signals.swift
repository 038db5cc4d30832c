import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM/SIGINT handling through Dispatch signal sources.
///
/// The default disposition is replaced by SIG_IGN so the kernel does not kill
/// the process, and the sources see the signals instead. The first signal
/// starts a graceful shutdown; a second one means "now": the process exits
/// at once with 128 + the signal number, as a shell would report it.
final class ShutdownSignals: @unchecked Sendable {
    // Touched only on `queue`, which is serial: that is what makes this class Sendable.
    private let queue = DispatchQueue(label: "vendo-webhooks.signals")
    private var sources: [DispatchSourceSignal] = []
    private var received = 0

    /// Starts watching `signals`; `onFirst` runs once, on a Dispatch queue.
    init(_ signals: [Int32] = [SIGTERM, SIGINT], onFirst: @escaping @Sendable (Int32) -> Void) {
        queue.sync {
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { [unowned self] in
                    self.received += 1
                    if self.received == 1 {
                        onFirst(number)
                    } else {
                        Output.error("vendo-webhooks: second \(ShutdownSignals.name(number)), exiting without waiting")
                        exit(128 + number)
                    }
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// The conventional name of a signal number, for log lines.
    static func name(_ number: Int32) -> String {
        switch number {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        default: "signal \(number)"
        }
    }
}
