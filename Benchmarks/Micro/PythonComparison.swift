import Foundation

/// The same jobs in Python's standard library (`hmac` + `json`), timed with
/// `timeit` in a child process so both sides run on the same machine, minute
/// and payload. The Python verifier mirrors what the Python SDK does.
enum PythonComparison {
    struct Result: Decodable {
        let python: String
        let openssl: String
        /// Per job, thread CPU ns/op per round, then wall ns/op per round.
        let verify: [[Double]]
        let hmac: [[Double]]
        let json: [[Double]]
    }

    static let script = #"""
import hashlib, hmac, json, os, ssl, sys, time, timeit

secret = os.environ["BENCH_SECRET"].encode()
body = os.environ["BENCH_BODY"]
ts = os.environ["BENCH_TS"]
rounds = int(os.environ["BENCH_ROUNDS"])
number = int(os.environ["BENCH_NUMBER"])
signature = hmac.new(secret, f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
headers = {"Content-Type": "application/json", "Vendo-Signature": signature, "Vendo-Timestamp": ts, "User-Agent": "bench"}

def verify(headers, body):
    lowered = {k.lower(): v for k, v in headers.items()}
    sig = lowered.get("vendo-signature", "").strip()
    stamp = lowered.get("vendo-timestamp", "").strip()
    if not sig or not stamp:
        raise ValueError("missing header")
    if abs(time.time() - int(stamp)) > 300:
        raise ValueError("stale")
    expected = hmac.new(secret, f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, sig.lower()):
        raise ValueError("bad signature")
    payload = json.loads(body)
    return {"id": payload.get("id", ""), "type": payload.get("type", ""),
            "occurred_at": payload.get("occurred_at", ""), "data": payload.get("data", {})}

assert verify(headers, body)["id"].startswith("evt_")
message = f"{ts}.{body}".encode()

def per_op(fn):
    cpu = [t / number * 1e9 for t in timeit.repeat(fn, number=number, repeat=rounds, timer=time.thread_time)]
    wall = [t / number * 1e9 for t in timeit.repeat(fn, number=number, repeat=rounds, timer=time.perf_counter)]
    return [cpu, wall]

print(json.dumps({
    "python": sys.version.split()[0],
    "openssl": ssl.OPENSSL_VERSION,
    "verify": per_op(lambda: verify(headers, body)),
    "hmac": per_op(lambda: hmac.new(secret, message, hashlib.sha256).digest()),
    "json": per_op(lambda: json.loads(body)),
}))
"""#

    /// Runs the script with `python3` from `PATH`; `nil` (with the reason on
    /// stderr) when Python is unavailable or fails.
    static func run(secret: String, body: String, timestamp: String, rounds: Int, number: Int) -> Result? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        var environment = ProcessInfo.processInfo.environment
        environment["BENCH_SECRET"] = secret
        environment["BENCH_BODY"] = body
        environment["BENCH_TS"] = timestamp
        environment["BENCH_ROUNDS"] = String(rounds)
        environment["BENCH_NUMBER"] = String(number)
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            FileHandle.standardError.write(Data("python3 could not be started: \(error)\n".utf8))
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            FileHandle.standardError.write(Data("python3 exited with status \(process.terminationStatus)\n".utf8))
            return nil
        }
        return try? JSONDecoder().decode(Result.self, from: data)
    }
}
