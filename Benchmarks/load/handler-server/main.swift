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

var host = "127.0.0.1"
var port = 8080
var capacity = DedupeWindow.defaultCapacity
var arguments = CommandLine.arguments.dropFirst()
if arguments.first == "serve" { arguments.removeFirst() }
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else {
        print("webhook-handler-server: \(flag) needs a value")
        exit(2)
    }
    switch flag {
    case "--host": host = value
    case "--port": port = Int(value) ?? port
    case "--dedupe-capacity": capacity = Int(value) ?? capacity
    default:
        print("webhook-handler-server: unknown flag \(flag)")
        exit(2)
    }
}
guard let secret = getenv("VENDO_WEBHOOK_SECRET").map({ String(cString: $0) }), !secret.isEmpty else {
    print("webhook-handler-server: set VENDO_WEBHOOK_SECRET")
    exit(2)
}

/// What the handler does: reads the event and counts it.
let handled = Atomic<Int>(0)
var logger = Logger(label: "bench")
logger.logLevel = .warning
var receiver = try WebhookReceiver(
    secrets: [secret], configuration: .init(dedupeCapacity: capacity), logger: logger)
receiver.on("connection.*") { delivery in
    if !delivery.id.isEmpty { handled.add(1, ordering: .relaxed) }
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
