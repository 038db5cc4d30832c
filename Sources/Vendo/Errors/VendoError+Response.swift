import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Which service answered: the data proxy has error shapes of its own.
enum ErrorSource: Sendable {
    /// The platform API or the credentials service (protocol §3, general rules).
    case platform
    /// The Composio data proxy: string `error` bodies (protocol §3, last paragraph).
    case dataProxy
}

extension VendoError {
    /// Turns a non-2xx response into the matching error (protocol §3).
    ///
    /// The code comes from the `Vendo-Error-Code` header (any case), else the
    /// body's `error.code`, else `internal_error`. The body's `error.message`,
    /// `error.slug`, `error.connect_url`, `error.retry_after` and
    /// `error.suggested_fix` fill the error; a `Retry-After` header (seconds or
    /// an HTTP date) is used when the body has no `retry_after`. The
    /// credentials service's `{"error": "<text>", "detail": "<text>"}` gives its
    /// `detail` (else `error`) as the message. With no message the error reads
    /// `HTTP <status> (<code>)`. A body that is not JSON is ignored.
    ///
    /// - Parameters:
    ///   - status: the HTTP status.
    ///   - headers: response headers; names are matched case-insensitively.
    ///   - body: the raw response body.
    public static func from(status: Int, headers: [String: String], body: Data?) -> VendoError {
        map(status: status, headers: headers, body: body, source: .platform)
    }

    /// ``from(status:headers:body:)`` for a body given as bytes.
    public static func from(status: Int, headers: [String: String], body: [UInt8]) -> VendoError {
        from(status: status, headers: headers, body: Data(body))
    }

    /// ``from(status:headers:body:)`` for a body given as text.
    public static func from(status: Int, headers: [String: String], body: String) -> VendoError {
        from(status: status, headers: headers, body: Data(body.utf8))
    }

    /// ``from(status:headers:body:)`` for a `URLSession` response.
    public static func from(response: HTTPURLResponse, body: Data?) -> VendoError {
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            headers[String(describing: name)] = String(describing: value)
        }
        return from(status: response.statusCode, headers: headers, body: body)
    }

    /// The one mapping every response of the SDK goes through.
    static func map(
        status: Int, headers: [String: String], body: Data?, source: ErrorSource,
        now: Date = Date()
    ) -> VendoError {
        let json = body.flatMap { $0.isEmpty ? nil : try? JSONValue(parsing: $0) }?.objectValue ?? [:]
        let errorObject = json.object("error") ?? [:]
        let errorString = json["error"]?.stringValue

        if source == .dataProxy, let errorString {
            return mapDataProxy(status: status, json: json, errorText: errorString, headers: headers, now: now)
        }

        let headerCode = headerValue(headers, "Vendo-Error-Code").flatMap(nonEmpty)
        let code = headerCode ?? errorObject.string("code").flatMap(nonEmpty) ?? VendoErrorCode.internalError
        let platformMessage =
            errorObject.string("message").flatMap(nonEmpty)
            ?? (errorString != nil ? (json.string("detail").flatMap(nonEmpty) ?? errorString.flatMap(nonEmpty)) : nil)
        let fields = Fields(
            status: status, code: code,
            message: platformMessage ?? "HTTP \(status) (\(code))",
            slug: errorObject.string("slug").flatMap(nonEmpty),
            connectURL: errorObject.string("connect_url").flatMap(nonEmpty),
            retryAfter: retryAfter(body: errorObject, headers: headers, now: now),
            suggestedFix: errorObject.string("suggested_fix").flatMap(nonEmpty))
        return make(fields)
    }

    private struct Fields {
        var status: Int
        var code: String
        var message: String
        var slug: String?
        var connectURL: String?
        var retryAfter: Int?
        var suggestedFix: String?
    }

    private static func make(_ f: Fields) -> VendoError {
        /// The message with the fix folded in and, for a case that stands for
        /// two codes, the code named so `code` can tell them apart.
        func text(namingCode: Bool = false, connectURL: String? = nil) -> String {
            var message = f.message
            if namingCode, !message.contains(f.code) { message += " (\(f.code))" }
            return VendoErrorText.compose(message, connectURL: connectURL, suggestedFix: f.suggestedFix)
        }
        switch f.code {
        case VendoErrorCode.appUnknown, VendoErrorCode.appRevoked, VendoErrorCode.appExpired:
            return .auth(message: text(), code: f.code)
        case VendoErrorCode.bindingMissing, VendoErrorCode.connectionRevoked:
            return .notConnected(slug: f.slug, message: text(namingCode: true, connectURL: f.connectURL))
        case VendoErrorCode.connectionNeedsReauth:
            return .needsReauth(slug: f.slug, message: text(), connectURL: f.connectURL)
        case VendoErrorCode.balanceExhausted:
            return .balanceExhausted(message: text())
        case VendoErrorCode.spendCapDaily, VendoErrorCode.spendCapMonthly:
            return .spendCapExceeded(message: text(namingCode: true), retryAfter: f.retryAfter)
        case VendoErrorCode.upstreamRateLimited:
            return .rateLimited(retryAfter: f.retryAfter)
        case VendoErrorCode.upstreamError:
            return .upstream(status: f.status, message: text())
        case VendoErrorCode.validationFailed:
            return .validation(message: text())
        case VendoErrorCode.idempotencyConflict:
            return .idempotencyConflict(message: text())
        case VendoErrorCode.vendoOnlyFeature:
            return .vendoOnlyFeature(featureName: f.slug ?? f.message)
        case VendoErrorCode.identityNotPresent:
            return .identityNotPresent(message: text())
        default:
            return .other(code: f.code, message: text(), status: f.status)
        }
    }

    /// The data proxy: `{"error": "binding_missing", "toolkit": slug}` ⇒ not
    /// connected (at any status: the text is unambiguous); any other string
    /// `error` ⇒ an upstream failure with code `composio_error`.
    private static func mapDataProxy(
        status: Int, json: [String: JSONValue], errorText: String, headers: [String: String], now: Date
    ) -> VendoError {
        let detail = json.string("detail").flatMap(nonEmpty) ?? json.string("message").flatMap(nonEmpty)
        if errorText == VendoErrorCode.bindingMissing {
            let slug = json.string("toolkit").flatMap(nonEmpty) ?? json.string("slug").flatMap(nonEmpty)
            let what = slug.map { "\"\($0)\"" } ?? "The provider this action needs"
            let message = detail ?? "\(what) is not connected to this deployment (binding_missing)."
            return .notConnected(slug: slug, message: message.contains(VendoErrorCode.bindingMissing)
                ? message : message + " (binding_missing)")
        }
        var message = detail.map { "\(errorText): \($0)" } ?? errorText
        if message.isEmpty { message = "HTTP \(status)" }
        return .upstream(status: status, message: message + " (\(VendoErrorCode.composioError))")
    }

    /// `error.retry_after` (number or numeric string), else the `Retry-After`
    /// header (delay-seconds or an HTTP date), as whole seconds (rounded up, never negative).
    static func retryAfter(body: [String: JSONValue], headers: [String: String], now: Date) -> Int? {
        if let value = body["retry_after"] {
            switch value {
            case .int(let seconds): return max(0, seconds)
            case .double(let seconds) where seconds.isFinite: return max(0, Int(seconds.rounded(.up)))
            case .string(let text): if let seconds = parseRetryAfter(text, now: now) { return seconds }
            default: break
            }
        }
        return headerValue(headers, "Retry-After").flatMap { parseRetryAfter($0, now: now) }
    }

    /// Parses a Retry-After value: delay-seconds (decimals allowed) or an IMF-fixdate.
    static func parseRetryAfter(_ text: String, now: Date) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite {
            return max(0, Int(min(seconds, 1e9).rounded(.up)))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }

    static func headerValue(_ headers: [String: String], _ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?
            .value.trimmingCharacters(in: .whitespaces)
    }

    private static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
