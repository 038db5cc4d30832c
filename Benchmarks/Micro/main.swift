// vendo-bench: micro-benchmarks of the SDK's hot paths, next to the same jobs
// in Python's standard library measured in the same run.
//
//   swift run -c release vendo-bench [--rounds N] [--seconds S] [--no-python]
//
// Prints ns/op (median and best of the rounds) and the command that produced them.
import Foundation
import Vendo

struct Options {
    var rounds = 7
    var secondsPerRound = 0.25
    var python = true

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rounds": rounds = max(1, Int(iterator.next() ?? "") ?? rounds)
            case "--seconds": secondsPerRound = max(0.01, Double(iterator.next() ?? "") ?? secondsPerRound)
            case "--no-python": python = false
            case "-h", "--help":
                print("usage: vendo-bench [--rounds N] [--seconds S-per-round] [--no-python]")
                exit(0)
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument); see --help\n".utf8))
                exit(2)
            }
        }
    }
}

let options = Options(CommandLine.arguments)

/// Picks an iteration count so one round lasts about `options.secondsPerRound`.
func iterations(for operation: () throws -> Void) rethrows -> Int {
    var count = 1
    while true {
        let start = nowNanoseconds()
        for _ in 0..<count { try operation() }
        let elapsed = Double(nowNanoseconds() - start) / 1e9
        if elapsed > 0.02 { return max(1, Int(Double(count) * options.secondsPerRound / elapsed)) }
        count *= 4
    }
}

func run(_ name: String, _ operation: () throws -> Void) rethrows -> Measurement {
    let count = try iterations(for: operation)
    return try measure(name, iterations: count, rounds: options.rounds, operation)
}

// MARK: Inputs

let secret = "whsec_bench_5b1f0c8e2d4a6b9c"
let body = eventBody(size: 1024)
let bodyBytes = Array(body.utf8)
let bodyData = Data(body.utf8)
let timestamp = String(Int(Date().timeIntervalSince1970))
let signer = try WebhookSigner(secret: secret)
var headers = try signer.sign(body: body, timestampText: timestamp)
headers["Content-Type"] = "application/json"
headers["User-Agent"] = "bench"
let webhooks = WebhooksAPI(secret: secret, env: [:])
let hmac = try HMACSHA256(key: secret)
let message = Array("\(timestamp).\(body)".utf8)

// Sanity: every path agrees before anything is timed.
let event = try webhooks.verify(headers: headers, body: body)
precondition(event.id.hasPrefix("evt_") && bodyBytes.count == 1024)
let fromBytes = try webhooks.verify(headers: headers, body: bodyBytes)
let fromData = try webhooks.verify(headers: headers, body: bodyData)
precondition(fromBytes == event && fromData == event, "body overloads disagree")
let parsed = try JSONValue.parse(utf8: bodyBytes)
let viaDecoder = try FoundationJSON.viaDecoder(bodyData)
let viaSerialization = try FoundationJSON.viaSerialization(bodyData)
precondition(viaDecoder == parsed, "JSONDecoder disagrees")
precondition(viaSerialization == parsed, "JSONSerialization disagrees")

// MARK: Swift

func machineDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
        .split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    return "\(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load)"
}

print("vendo-bench: \(bodyBytes.count)-byte event body, \(options.rounds) rounds of ~\(options.secondsPerRound) s each, release build")
print("machine: \(machineDescription())")
var results: [Measurement] = []
results.append(try run("verify: String body (headers, timestamp, HMAC, JSON scan)") { blackHole(try webhooks.verify(headers: headers, body: body)) })
results.append(try run("verify + read event.data (builds data)") { blackHole(try webhooks.verify(headers: headers, body: body).data) })
results.append(try run("verify: [UInt8] body") { blackHole(try webhooks.verify(headers: headers, body: bodyBytes)) })
results.append(try run("verify: Data body") { blackHole(try webhooks.verify(headers: headers, body: bodyData)) })
results.append(try run("verifySignature (headers, timestamp, HMAC; no JSON)") { blackHole(try webhooks.verifySignature(headers: headers, body: bodyBytes)) })
results.append(try run("HMAC-SHA256 alone (reused EVP_MAC copy)") { blackHole(try hmac.authenticationCode(for: message)) })
results.append(try run("JSON alone: JSONValue.parse (strict, full tree)") { blackHole(try JSONValue.parse(utf8: bodyBytes)) })
results.append(try run("JSON alone: JSONSerialization -> JSONValue") { blackHole(try FoundationJSON.viaSerialization(bodyData)) })
results.append(try run("JSON alone: JSONDecoder -> JSONValue") { blackHole(try FoundationJSON.viaDecoder(bodyData)) })
results.append(try await benchmarkCachedToken(rounds: options.rounds, secondsPerRound: options.secondsPerRound))

func row(_ name: String, _ m: Measurement, width: Int = 58) -> String {
    pad(name, width) + format(m.cpuMedian, width: 11) + format(m.cpuBest, width: 11) + format(m.wallMedian, width: 11)
}

print("")
print(pad("ns/op", 58) + "  cpu median   cpu best wall median")
for result in results { print(row(result.name, result)) }
let scan = results[0].cpuMedian - results[4].cpuMedian
print(pad("derived: verify - verifySignature (JSON scan + event)", 58) + format(scan, width: 11))

// MARK: Python

if options.python {
    print("")
    let number = 20_000
    if let python = PythonComparison.run(secret: secret, body: body, timestamp: timestamp, rounds: options.rounds, number: number) {
        print("python3 \(python.python) (\(python.openssl)), same body, timeit number=\(number), same clocks:")
        let py = [
            Measurement(name: "python: verify (as the Python SDK: hmac + json.loads)", cpu: python.verify[0], wall: python.verify[1]),
            Measurement(name: "python: hmac.new(secret, msg, sha256).digest()", cpu: python.hmac[0], wall: python.hmac[1]),
            Measurement(name: "python: json.loads", cpu: python.json[0], wall: python.json[1]),
        ]
        for result in py { print(row(result.name, result)) }
        print("")
        print("ratio, python / swift (cpu medians):")
        let pairs: [(String, Measurement, Measurement)] = [
            ("verify", py[0], results[0]), ("verify, data read", py[0], results[1]),
            ("HMAC", py[1], results[5]), ("JSON full tree", py[2], results[6]),
        ]
        for (name, p, s) in pairs {
            print(pad("  " + name, 22) + format(p.cpuMedian / s.cpuMedian, width: 7) + "x")
        }
    } else {
        print("python3 unavailable: comparison skipped")
    }
}

print("")
print("command: swift run -c release vendo-bench" + CommandLine.arguments.dropFirst().map { " " + $0 }.joined())
