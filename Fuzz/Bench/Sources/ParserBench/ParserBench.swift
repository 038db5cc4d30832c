import VendoHTTPServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Parse cost of a typical ~300-byte webhook request, whole and pipelined.
// `swift run -c release ParserBench` from Fuzz/Bench. A measurement, not a test;
// it reports CPU time of the parsing thread, so other load on the machine
// inflates it less than wall time would.

let request = Array(
    """
    POST /webhooks/vendo?source=platform HTTP/1.1\r
    Host: hooks.example.com\r
    User-Agent: Vendo-Webhooks/1.0\r
    Content-Type: application/json\r
    Content-Length: 27\r
    Vendo-Signature: t=1732860000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd\r
    Vendo-Event-Id: evt_01HZX3Y8Q4K2M7\r
    Accept-Encoding: gzip\r
    \r
    {"type":"balance.updated"}\n
    """.utf8)

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

@inline(never)
func parseOneEachTime(_ iterations: Int) throws -> Int {
    var checksum = 0
    var parser = HTTPRequestParser()
    for _ in 0..<iterations {
        parser.append(request)
        while let event = try parser.next() {
            switch event {
            case .head(let head): checksum &+= head.headers.count
            case .body(let bytes): checksum &+= bytes.count
            case .end: checksum &+= 1
            }
        }
    }
    return checksum
}

@inline(never)
func parsePipelined(_ iterations: Int, batch: Int) throws -> Int {
    var checksum = 0
    var parser = HTTPRequestParser()
    var many: [UInt8] = []
    for _ in 0..<batch { many += request }
    for _ in 0..<(iterations / batch) {
        parser.append(many)
        while let event = try parser.next() {
            if case .end = event { checksum &+= 1 }
        }
    }
    return checksum
}

func formatted(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

@main
enum ParserBench {
    static func main() throws {
        let iterations = 1_000_000
        print("request size: \(request.count) bytes")
        for run in 1...3 {
            var start = now()
            let a = try parseOneEachTime(iterations)
            let single = Double(now() - start) / Double(iterations)
            start = now()
            let b = try parsePipelined(iterations, batch: 16)
            let pipelined = Double(now() - start) / Double(iterations)
            print(
                "run \(run): \(formatted(single)) ns/request (one per append), "
                    + "\(formatted(pipelined)) ns/request (16 pipelined per append)  [\(a & 1)\(b & 1)]")
        }
    }
}
