import Dispatch
import VendoWebhooks
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
                        // Handler commands lead process groups of their own, so the
                        // terminal's or the runtime's signal did not reach them:
                        // take them along rather than leave them orphaned.
                        let running = ExecHandler.signalRunningCommands(SIGKILL)
                        let note = running == 0 ? "" : "; killed \(running) running handler command\(running == 1 ? "" : "s")"
                        Output.error("vendo-webhooks: second \(ShutdownSignals.name(number)), exiting without waiting\(note)")
                        exit(128 + number)
                    }
                }
                source.resume()
                sources.append(source)
            }
        }
        // On Linux, libdispatch installs its own handler for a signal source
        // asynchronously, on its manager thread, some time after resume().
        // A signal arriving before that meets SIG_IGN and is lost (seen here as
        // a SIGTERM sent right after the `listening on` line being ignored), so
        // wait until the disposition shows the handler is in place.
        for number in signals { Self.waitUntilHandled(number) }
    }

    /// Waits (at most about a second) until `number` no longer has the SIG_IGN disposition.
    private static func waitUntilHandled(_ number: Int32) {
        for _ in 0..<1000 {
            var current = sigaction()
            sigaction(number, nil, &current)
            #if canImport(Glibc)
            let handler = unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
            #else
            let handler = unsafeBitCast(current.__sigaction_u.__sa_handler, to: Int.self)
            #endif
            if handler != unsafeBitCast(SIG_IGN, to: Int.self) { return }
            usleep(1000)
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
