// http-echo: the library example and the conformance target.
//
//   http-echo [--host 127.0.0.1] [--port 8080]
//
// GET/HEAD/OPTIONS /  → 200 "ok"
// POST /              → the request body, echoed
// GET|POST /echo      → the request headers as "Name: Value" lines
//
// Prints `listening on http://HOST:PORT` (the bound port) as its first line,
// and shuts down gracefully on SIGINT or SIGTERM.
#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging
import VendoHTTPServer

func fail(_ message: String) -> Never {
    let text = "http-echo: \(message)\nusage: http-echo [--host ADDRESS] [--port PORT]\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    exit(2)
}

var configuration = HTTPServer.Configuration()
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--host": configuration.host = value
    case "--port":
        guard let port = Int(value) else { fail("--port must be a number, got '\(value)'") }
        configuration.port = port
    default: fail("unknown option \(flag)")
    }
}

LoggingSystem.bootstrap(StreamLogHandler.standardError)
var logger = Logger(label: "http-echo")
logger.logLevel = .notice

let maxBody = configuration.limits.maxBodySize
var router = Router()
router.get("/") { _ in .text("ok\n") }
router.options("/") { _ in HTTPResponse(status: .ok, headers: ["Allow": "GET, HEAD, OPTIONS, POST"]) }
router.post("/") { request in
    HTTPResponse(headers: ["Content-Type": "application/octet-stream"],
                 body: .bytes(try await request.body.collect(upTo: maxBody)))
}
let echoHeaders: Router.Handler = { request in
    _ = try await request.body.collect(upTo: maxBody)
    var text = ""
    for (name, value) in request.headers { text += "\(name): \(value)\n" }
    return .text(text)
}
router.get("/echo", echoHeaders)
router.post("/echo", echoHeaders)

let server = HTTPServer(configuration: configuration, logger: logger, responder: router)
do {
    try server.start()
} catch {
    fail("cannot listen: \(error)")
}
let shownHost = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
print("listening on http://\(shownHost):\(server.port)")
fflush(nil)  // stdout may be a pipe (block-buffered): the reader waits for this line

var signalSources: [any DispatchSourceSignal] = []
for number in [SIGINT, SIGTERM] {
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler {
        Task {
            await server.shutdown()
            exit(0)
        }
    }
    source.activate()
    signalSources.append(source)
}
await server.waitUntilStopped()
