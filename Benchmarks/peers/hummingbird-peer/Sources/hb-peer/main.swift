// The benchmark's Hummingbird peer: the same three routes as the other peers,
// written the way a Hummingbird user would write them.
//
//   hb-peer [--host 127.0.0.1] [--port 0]      secret from VENDO_WEBHOOK_SECRET
//
// Prints `listening on http://HOST:PORT` once bound, like the project's servers.
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging

struct Delivery: Decodable {
    let id: String
    let type: String
}

func argument(_ name: String, default value: String) -> String {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count { return args[i + 1] }
    return value
}

/// Lowercase or uppercase hex to bytes; nil on any other character or odd length.
func hexBytes(_ hex: Substring) -> [UInt8]? {
    guard hex.utf8.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(hex.utf8.count / 2)
    var high: UInt8? = nil
    for c in hex.utf8 {
        let v: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
        default: return nil
        }
        if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
    }
    return out
}

let host = argument("--host", default: "127.0.0.1")
let port = Int(argument("--port", default: "0")) ?? 0
let secret = ProcessInfo.processInfo.environment["VENDO_WEBHOOK_SECRET"] ?? "whsec_bench"
// SymmetricKey is not Sendable; it is never mutated after this line.
nonisolated(unsafe) let key = SymmetricKey(data: Data(secret.utf8))
let maxAge: Double = 300
let maxBody = 1 << 20
let signatureHeader = HTTPField.Name("Vendo-Signature")!
let timestampHeader = HTTPField.Name("Vendo-Timestamp")!

let router = Router()

router.get("/") { _, _ in
    "ok\n"
}

router.post("/") { request, _ -> Response in
    let body = try await request.body.collect(upTo: maxBody)
    return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: body))
}

router.post("/webhooks/vendo") { request, _ -> Response in
    let body = try await request.body.collect(upTo: maxBody)
    guard let signature = request.headers[signatureHeader],
          let timestamp = request.headers[timestampHeader],
          let seconds = Double(timestamp.trimmingCharacters(in: .whitespaces))
    else { throw HTTPError(.badRequest, message: "missing or bad signature headers") }
    guard abs(Date().timeIntervalSince1970 - seconds) <= maxAge else {
        throw HTTPError(.badRequest, message: "timestamp outside the allowed window")
    }
    let trimmed = signature.trimmingCharacters(in: .whitespaces)
    guard trimmed.utf8.count == 64, let mac = hexBytes(Substring(trimmed)) else {
        throw HTTPError(.badRequest, message: "signature is not 64 hex digits")
    }
    var signed = Data(timestamp.trimmingCharacters(in: .whitespaces).utf8)
    signed.append(UInt8(ascii: "."))
    signed.append(contentsOf: body.readableBytesView)
    // isValidAuthenticationCode compares in constant time.
    guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) else {
        throw HTTPError(.badRequest, message: "signature mismatch")
    }
    let delivery = try JSONDecoder().decode(Delivery.self, from: Data(buffer: body))
    let reply = #"{"ok":true,"id":"\#(delivery.id)"}"#
    return Response(
        status: .ok,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: reply))
    )
}

var logger = Logger(label: "hb-peer")
logger.logLevel = .warning
let app = Application(
    router: router,
    configuration: .init(address: .hostname(host, port: port)),
    onServerRunning: { channel in
        let bound = channel.localAddress?.port ?? port
        // Unbuffered, so a reader on a pipe sees the line at once.
        FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
    },
    logger: logger
)
try await app.runService()
