// The load benchmark's endpoint with an in-process handler: the library as an
// app that embeds it would use it (a `WebhookReceiver` with a Swift closure,
// mounted by `WebhookEndpoint` on `HTTPServer`). `vendo-webhooks serve` with
// no handlers measures the receiver without one.
//
//   VENDO_WEBHOOK_SECRET=… webhook-handler-server [serve] [--host H] [--port P] [--dedupe-capacity N]
//
// Takes the flags of `vendo-webhooks serve` that the benchmark uses, so the
// scripts start either the same way, and prints `listening on http://H:P`
// first, as `serve` does.
import Logging
import Synchronization
import VendoHTTPServer
import VendoWebhooks

#if canImport(Glibc)
    import Glibc
#endif

/// Says what is wrong on standard error and exits 2.
func fail(_ message: String) -> Never {
    let line = "webhook-handler-server: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

/// The flag's value as a whole number in `range`.
func number(_ flag: String, _ value: String, in range: ClosedRange<Int>) -> Int {
    guard let number = Int(value), range.contains(number) else {
        fail("\(flag) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(value)'")
    }
    return number
}

var host = "127.0.0.1"
var port = 8080
var capacity = DedupeWindow.defaultCapacity
var arguments = CommandLine.arguments.dropFirst()
if arguments.first == "serve" { arguments.removeFirst() }
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--host": host = value
    case "--port": port = number(flag, value, in: 0...65_535)
    case "--dedupe-capacity": capacity = number(flag, value, in: 1...Int(Int32.max))
    default: fail("unknown flag \(flag) (this benchmark server takes --host, --port and --dedupe-capacity)")
    }
}
guard let secret = getenv("VENDO_WEBHOOK_SECRET").map({ String(cString: $0) }), !secret.isEmpty else {
    fail("set VENDO_WEBHOOK_SECRET")
}

/// What the handler does: reads the event's id and type and counts it.
let handled = Atomic<Int>(0)
var logger = Logger(label: "bench")
logger.logLevel = .warning
var receiver = try WebhookReceiver(
    secrets: [secret], configuration: .init(dedupeCapacity: capacity), logger: logger)
receiver.on("connection.*") { delivery in  // no await: the synchronous overload
    if !delivery.id.isEmpty, delivery.type.hasPrefix("connection.") { handled.add(1, ordering: .relaxed) }
}
let endpoint = try WebhookEndpoint(receiver: receiver)
let server = HTTPServer(
    configuration: .init(host: host, port: port), logger: logger, responder: endpoint.responder())
try server.start()
// One write, unbuffered: whoever waits for the line reads it at once.
let line = "listening on http://\(host):\(server.port)\n"
_ = line.withCString { write(1, $0, strlen($0)) }
signal(SIGTERM) { _ in _exit(0) }  // the benchmark stops it this way; nothing to drain
await server.waitUntilStopped()
