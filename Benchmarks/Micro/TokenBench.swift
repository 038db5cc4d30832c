import Foundation
import Vendo

/// An in-memory credentials service: answers every token request with a
/// long-lived token and counts the requests, so the benchmark can show that
/// the timed calls never left the cache.
final class CountingTokenTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var requests: Int { lock.withLock { count } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        lock.withLock { count += 1 }
        let body = #"{"access_token":"tok_bench","expires_at":null,"token_type":"Bearer"}"#
        return TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
    }
}

/// Times `operation` like `measure`, for async work (one task, awaited in turn).
func measureAsync(_ name: String, rounds: Int, secondsPerRound: Double, _ operation: () async throws -> Void) async rethrows -> Measurement {
    var iterations = 1
    while true {
        let start = nowNanoseconds()
        for _ in 0..<iterations { try await operation() }
        let elapsed = Double(nowNanoseconds() - start) / 1e9
        if elapsed > 0.02 {
            iterations = max(1, Int(Double(iterations) * secondsPerRound / elapsed))
            break
        }
        iterations *= 4
    }
    var cpu: [Double] = []
    var wall: [Double] = []
    for _ in 0..<rounds {
        let startWall = nowNanoseconds()
        let startCPU = processCPUNanoseconds()
        for _ in 0..<iterations { try await operation() }
        cpu.append(Double(processCPUNanoseconds() - startCPU) / Double(iterations))
        wall.append(Double(nowNanoseconds() - startWall) / Double(iterations))
    }
    return Measurement(name: name, cpu: cpu, wall: wall)
}

/// A cached `token(_:)` in Vendo mode: the first call fetches, the timed ones hit the cache.
func benchmarkCachedToken(rounds: Int, secondsPerRound: Double) async throws -> Measurement {
    let transport = CountingTokenTransport()
    let vendo = try Vendo(apiKey: "vendo_sk_bench", env: [:], credentialsURL: "http://127.0.0.1:9/", transport: transport)
    let first = try await vendo.token("openai")
    precondition(first == "tok_bench")
    let result = try await measureAsync("cached token(\"openai\") (Vendo mode)", rounds: rounds, secondsPerRound: secondsPerRound) {
        blackHole(try await vendo.token("openai"))
    }
    precondition(transport.requests == 1, "the timed calls went to the network: \(transport.requests) requests")
    return result
}
