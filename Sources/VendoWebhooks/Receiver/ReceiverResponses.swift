import VendoHTTPServer

/// The receiver's responses, built by hand as bytes (see `JSONText` for why).
///
/// Success: `{"ok":true,"id":"…"}`; duplicate: `{"ok":true,"duplicate":true,"id":"…"}`;
/// errors: `{"error":{"code":"…","message":"…"}}` with `Vendo-Error-Code: <code>`.
enum ReceiverResponses {
    /// The acknowledgement of a handled delivery.
    static func ok(id: String) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(24 + id.utf8.count)
        JSONText.appendRaw(#"{"ok":true,"id":"#, to: &body)
        JSONText.appendString(id, to: &body)
        body.append(UInt8(ascii: "}"))
        return .json(body)
    }

    /// The acknowledgement of a delivery already handled within the window.
    static func duplicate(id: String) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(40 + id.utf8.count)
        JSONText.appendRaw(#"{"ok":true,"duplicate":true,"id":"#, to: &body)
        JSONText.appendString(id, to: &body)
        body.append(UInt8(ascii: "}"))
        return .json(body)
    }

    /// An error response in the platform's shape, with `Vendo-Error-Code`.
    static func error(
        status: HTTPStatus, code: String, message: String, extraHeaders: HTTPHeaders = HTTPHeaders()
    ) -> HTTPResponse {
        var body: [UInt8] = []
        body.reserveCapacity(48 + code.utf8.count + message.utf8.count)
        JSONText.appendRaw(#"{"error":{"code":"#, to: &body)
        JSONText.appendString(code, to: &body)
        JSONText.appendRaw(#","message":"#, to: &body)
        JSONText.appendString(message, to: &body)
        JSONText.appendRaw("}}", to: &body)
        var response = HTTPResponse.json(body, status: status)
        response.headers.add(name: "Vendo-Error-Code", value: code)
        for field in extraHeaders { response.headers.add(name: field.name, value: field.value) }
        return response
    }

    /// 400 for a delivery that failed verification; `message` says which check failed.
    static func validationFailed(_ message: String) -> HTTPResponse {
        error(status: .badRequest, code: "validation_failed", message: message)
    }

    /// 413 for a body over the limit. `Connection: close` because the rest of
    /// the body was not read.
    static func payloadTooLarge(limit: Int) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Connection", value: "close")
        return error(
            status: .payloadTooLarge, code: "payload_too_large",
            message: "the request body is larger than the \(limit)-byte limit (maxBodySize)", extraHeaders: headers)
    }

    /// 405 for anything but POST.
    static func methodNotAllowed() -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Allow", value: "POST")
        return error(
            status: .methodNotAllowed, code: "method_not_allowed",
            message: "webhook deliveries are POST requests", extraHeaders: headers)
    }

    /// 503 when a handler failed: the sender retries. No internal details.
    static func handlerFailed(retryAfterSeconds: Int) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Retry-After", value: String(retryAfterSeconds))
        return error(
            status: .serviceUnavailable, code: "handler_failed",
            message: "a handler did not complete; the delivery was not acknowledged, retry later",
            extraHeaders: headers)
    }

    /// 401 on the direct Telegram path.
    static func telegramUnauthorized(_ message: String) -> HTTPResponse {
        error(status: .unauthorized, code: "unauthorized", message: message)
    }
}
