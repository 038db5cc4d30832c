import ArgumentParser
import VendoWebhooks

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
            let target = try url ?? env["VENDO_WEBHOOKS_HEALTHCHECK_URL"] ?? Self.defaultURL(env: env)
            let response: OutboundHTTPResponse
            do throws(OutboundHTTPError) {
                let client = OutboundHTTPClient(configuration: .init(timeout: timeout))
                response = try client.sendBlocking(method: "GET", url: try OutboundURL(target))
            } catch {
                Output.error("unhealthy: \(error.description)")
                throw ExitStatus.failure
            }
            guard (200..<300).contains(response.status) else {
                Output.error("unhealthy: GET \(target) answered \(response.status) \(response.reason)")
                throw ExitStatus.failure
            }
            if !quiet { Output.out("healthy: GET \(target) answered \(response.status)") }
        }
    }

    /// `serve`'s health URL on this machine, from the same PORT and VENDO_WEBHOOKS_HEALTH_PATH.
    static func defaultURL(env: Environment) throws -> String {
        try LocalURL.make(env: env, pathVariable: "VENDO_WEBHOOKS_HEALTH_PATH", defaultPath: "/healthz")
    }
}

/// URLs of a `serve` running on this machine, configured by the same variables.
enum LocalURL {
    static func make(env: Environment, pathVariable: String, defaultPath: String) throws -> String {
        var port = 8080
        if let text = env["PORT"] {
            guard let value = Int(text), (1...65535).contains(value) else {
                throw CLIError("PORT '\(text)' is not a port number; pass --url instead")
            }
            port = value
        }
        var path = env[pathVariable] ?? defaultPath
        if !path.hasPrefix("/") { path = "/" + path }
        return "http://127.0.0.1:\(port)\(path)"
    }
}
