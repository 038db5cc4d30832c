import Foundation

/// The SDK's one HTTP layer: every call to the platform, the credentials
/// service and the data proxy goes through `send`, which adds the headers,
/// retries network errors and 5xx with backoff, and maps every non-2xx to a
/// ``VendoError`` in one place.
struct HTTPClient: Sendable {
    let context: ClientContext

    /// Which service a call goes to: names it in messages and picks the error rules.
    enum Service: Sendable {
        case platform, credentials, dataProxy

        var label: String {
            switch self {
            case .platform: return "the Vendo platform (VENDO_BASE_URL)"
            case .credentials: return "the Vendo credentials service (VENDO_CREDENTIALS_URL)"
            case .dataProxy: return "the Vendo data proxy (VENDO_DATA_PROXY_URL)"
            }
        }

        var errorSource: ErrorSource { self == .dataProxy ? .dataProxy : .platform }
    }

    /// Methods that change state carry an `Idempotency-Key` so retries cannot apply twice.
    static func isWrite(_ method: String) -> Bool {
        ["POST", "PUT", "DELETE", "PATCH"].contains(method.uppercased())
    }

    /// Sends a request and returns its 2xx response.
    ///
    /// - Throws: the mapped ``VendoError`` for a non-2xx answer; `.other(code: "network_error")`
    ///   when no answer came after the last attempt; `CancellationError` on cancellation.
    ///
    /// - Parameter passThrough: statuses returned as responses instead of errors
    ///   (neither mapped nor retried), e.g. 404 where "absent" is an answer.
    func send(
        _ method: String, _ url: URL, service: Service, json body: JSONValue? = nil,
        idempotencyKey: String? = nil, extraHeaders: [String: String] = [:], passThrough: Set<Int> = []
    ) async throws -> TransportResponse {
        var headers = context.platformHeaders()
        if Self.isWrite(method) {
            headers["Idempotency-Key"] = idempotencyKey ?? UUID().uuidString.lowercased()
        }
        var data: Data?
        if let body {
            data = try body.jsonData()
            headers["Content-Type"] = "application/json"
        }
        for (name, value) in extraHeaders { headers[name] = value }
        let request = TransportRequest(
            method: method.uppercased(), url: url, headers: headers, body: data, timeout: context.timeout)
        return try await sendWithRetry(request, service: service, passThrough: passThrough)
    }

    /// Sends and decodes the JSON body of the 2xx answer (an empty body is `null`).
    func json(
        _ method: String, _ url: URL, service: Service, json body: JSONValue? = nil,
        idempotencyKey: String? = nil
    ) async throws -> JSONValue {
        let response = try await send(method, url, service: service, json: body, idempotencyKey: idempotencyKey)
        return try Self.decodeJSON(response, url: url)
    }

    static func decodeJSON(_ response: TransportResponse, url: URL) throws -> JSONValue {
        if response.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .null }
        do {
            return try JSONValue(parsing: response.body)
        } catch {
            throw VendoError.other(
                code: VendoErrorCode.invalidResponse,
                message: "\(url.redactedDescription) answered HTTP \(response.status) with a body that is not JSON (\(response.body.count) bytes); check that the URL points at the Vendo service.",
                status: response.status)
        }
    }

    private func sendWithRetry(
        _ request: TransportRequest, service: Service, passThrough: Set<Int>
    ) async throws -> TransportResponse {
        let policy = context.retryPolicy
        var attempt = 1
        while true {
            let response: TransportResponse
            do {
                response = try await context.transport.send(request)
            } catch let error as VendoError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try Task.checkCancellation()
                guard attempt < policy.maxAttempts else {
                    throw Self.networkError(error, request: request, service: service, attempts: attempt)
                }
                try await policy.sleep(policy.delay(beforeRetry: attempt))
                attempt += 1
                continue
            }
            if response.isSuccess || passThrough.contains(response.status) { return response }
            if policy.shouldRetry(status: response.status), attempt < policy.maxAttempts {
                try await policy.sleep(policy.delay(beforeRetry: attempt))
                attempt += 1
                continue
            }
            throw VendoError.map(
                status: response.status, headers: response.headers, body: response.body,
                source: service.errorSource)
        }
    }

    static func networkError(
        _ error: any Error, request: TransportRequest, service: Service, attempts: Int
    ) -> VendoError {
        let reason: String
        if let urlError = error as? URLError, urlError.code == .timedOut {
            reason = "timed out after \(formatSeconds(request.timeout))"
        } else {
            reason = String(describing: error)
        }
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        return .other(
            code: VendoErrorCode.networkError,
            message: "Could not reach \(service.label) at \(request.url.redactedDescription) (\(tries)): \(reason). Check the URL and the network.",
            status: nil)
    }

    static func formatSeconds(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}

extension URL {
    /// The URL without its query, for messages: queries may carry secrets (`app_key`).
    var redactedDescription: String {
        guard var components = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return "the URL" }
        components.query = nil
        components.user = nil
        components.password = nil
        return components.string ?? "the URL"
    }
}
