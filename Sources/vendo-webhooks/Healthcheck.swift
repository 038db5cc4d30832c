import ArgumentParser

/// `vendo-webhooks healthcheck`: probe a running endpoint's liveness route.
///
/// Slim images have no curl; Docker's HEALTHCHECK can run this instead.
struct Healthcheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when GET URL answers 2xx, 1 otherwise (for a Docker HEALTHCHECK).",
        discussion: """
            With no --url, probes http://127.0.0.1:$PORT/healthz (PORT defaults to 8080, \
            the health path to VENDO_WEBHOOKS_HEALTH_PATH or /healthz), so the same \
            environment that configures `serve` configures the probe.
            """
    )

    @Option(help: "The URL to probe. (env: VENDO_WEBHOOKS_HEALTHCHECK_URL; default: http://127.0.0.1:$PORT/healthz)")
    var url: String?

    @Option(help: "Give up after this long, e.g. 2s or 500ms. (default: 3s)")
    var timeout: String = "3s"

    @Flag(name: .shortAndLong, help: "Print nothing on success.")
    var quiet = false

    func run() async throws {
        try await reportingCLIErrors {
            let env = Environment()
            guard let timeout = Units.duration(timeout), timeout > .zero else {
                throw CLIError("--timeout \(self.timeout) is not a positive duration such as 3s or 500ms")
            }
            let target = url ?? env["VENDO_WEBHOOKS_HEALTHCHECK_URL"] ?? Self.defaultURL(env: env)
            do {
                let response = try PlainHTTPClient.exchange(method: "GET", url: target, timeout: timeout)
                guard (200..<300).contains(response.status) else {
                    Output.error("unhealthy: GET \(target) answered \(response.status) \(response.reason)")
                    throw ExitStatus.failure
                }
                if !quiet { Output.out("healthy: GET \(target) answered \(response.status)") }
            } catch let failure as PlainHTTPClient.Failure {
                Output.error("unhealthy: \(failure.description)")
                throw ExitStatus.failure
            }
        }
    }

    static func defaultURL(env: Environment) -> String {
        let port = env["PORT"].flatMap(Int.init) ?? 8080
        var path = env["VENDO_WEBHOOKS_HEALTH_PATH"] ?? "/healthz"
        if !path.hasPrefix("/") { path = "/" + path }
        return "http://127.0.0.1:\(port)\(path)"
    }
}
