import COpenSSL

// The public overloads: three header shapes × two body shapes, each funnelled
// into `verifyDelivery` over raw bytes. `[UInt8]`, `Data`, `ArraySlice<UInt8>`
// and `UnsafeRawBufferPointer` all take the `some Collection<UInt8>` overload,
// which reads contiguous storage in place.
extension WebhooksAPI {
    /// Verifies a delivery and returns its event.
    ///
    /// - Parameters:
    ///   - headers: the request headers; names are matched in any case.
    ///   - body: the raw request body exactly as received: the signature covers
    ///     its bytes, so do not parse or re-encode it first.
    ///   - maxAgeSeconds: overrides ``maxAgeSeconds`` for this call.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    public func verify(headers: [String: String], body: String, maxAgeSeconds: Int? = nil) throws -> WebhookEvent {
        try Self.withBytes(of: body) { try verifiedEvent(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Verifies a delivery whose body is bytes (`[UInt8]`, `Data`, a slice…) and returns its event.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    public func verify(headers: [String: String], body: some Collection<UInt8>, maxAgeSeconds: Int? = nil) throws -> WebhookEvent {
        try Self.withBytes(of: body) { try verifiedEvent(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Verifies a delivery whose headers are ordered name/value pairs (a server's header type).
    /// A header given more than once is rejected as ambiguous.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    public func verify(headers: some Sequence<(name: String, value: String)>, body: String, maxAgeSeconds: Int? = nil) throws -> WebhookEvent {
        try Self.withBytes(of: body) { try verifiedEvent(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Verifies a delivery given ordered name/value header pairs and a byte body.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    public func verify(headers: some Sequence<(name: String, value: String)>, body: some Collection<UInt8>, maxAgeSeconds: Int? = nil) throws -> WebhookEvent {
        try Self.withBytes(of: body) { try verifiedEvent(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Verifies a delivery whose headers are unlabelled `(name, value)` pairs.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    public func verify(headers: some Sequence<(String, String)>, body: String, maxAgeSeconds: Int? = nil) throws -> WebhookEvent {
        try Self.withBytes(of: body) { try verifiedEvent(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Verifies a delivery given unlabelled `(name, value)` header pairs and a byte body.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    public func verify(headers: some Sequence<(String, String)>, body: some Collection<UInt8>, maxAgeSeconds: Int? = nil) throws -> WebhookEvent {
        try Self.withBytes(of: body) { try verifiedEvent(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Checks headers, timestamp and signature without parsing the body: for
    /// forwarded provider bodies that need not be JSON objects.
    /// - Returns: the verified timestamp.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    @discardableResult
    public func verifySignature(headers: [String: String], body: String, maxAgeSeconds: Int? = nil) throws -> WebhookTimestamp {
        try Self.withBytes(of: body) { try verifiedTimestamp(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Checks headers, timestamp and signature of a byte body without parsing it.
    /// - Returns: the verified timestamp.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    @discardableResult
    public func verifySignature(headers: [String: String], body: some Collection<UInt8>, maxAgeSeconds: Int? = nil) throws -> WebhookTimestamp {
        try Self.withBytes(of: body) { try verifiedTimestamp(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Checks headers, timestamp and signature without parsing the body (ordered header pairs).
    /// - Returns: the verified timestamp.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    @discardableResult
    public func verifySignature(headers: some Sequence<(name: String, value: String)>, body: String, maxAgeSeconds: Int? = nil) throws -> WebhookTimestamp {
        try Self.withBytes(of: body) { try verifiedTimestamp(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Checks headers, timestamp and signature of a byte body (ordered header pairs).
    /// - Returns: the verified timestamp.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    @discardableResult
    public func verifySignature(headers: some Sequence<(name: String, value: String)>, body: some Collection<UInt8>, maxAgeSeconds: Int? = nil) throws -> WebhookTimestamp {
        try Self.withBytes(of: body) { try verifiedTimestamp(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Checks headers, timestamp and signature without parsing the body (unlabelled header pairs).
    /// - Returns: the verified timestamp.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    @discardableResult
    public func verifySignature(headers: some Sequence<(String, String)>, body: String, maxAgeSeconds: Int? = nil) throws -> WebhookTimestamp {
        try Self.withBytes(of: body) { try verifiedTimestamp(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }

    /// Checks headers, timestamp and signature of a byte body (unlabelled header pairs).
    /// - Returns: the verified timestamp.
    /// - Throws: ``VendoError/validation(message:)`` saying what failed.
    @discardableResult
    public func verifySignature(headers: some Sequence<(String, String)>, body: some Collection<UInt8>, maxAgeSeconds: Int? = nil) throws -> WebhookTimestamp {
        try Self.withBytes(of: body) { try verifiedTimestamp(headers: Self.lookup(headers), body: $0, maxAgeSeconds: maxAgeSeconds) }
    }
}

// MARK: - Headers already located

// For a server that scans its header block once for everything it needs (the
// receiver in VendoWebhooks): the same checks, without a second header pass
// and without copying the body.
extension WebhooksAPI {
    /// ``verify(headers:body:maxAgeSeconds:)`` for `Vendo-Signature` and
    /// `Vendo-Timestamp` fields the caller has already found (trimmed), up to
    /// the scanned envelope: the event's id and type, without building the
    /// event (`WebhookEvent(validatedBody:envelope:maxDepth:)` does that).
    package func verifiedEnvelope(
        signature: HeaderLookup.Found, timestamp: HeaderLookup.Found, body: [UInt8]
    ) throws -> JSONParser.Envelope {
        try body.withUnsafeBytes { try verifiedEnvelope(headers: (signature, timestamp), body: $0, maxAgeSeconds: nil) }
    }

    /// ``verifySignature(headers:body:maxAgeSeconds:)`` for fields the caller has already found.
    @discardableResult
    package func verifySignature(signature: HeaderLookup.Found, timestamp: HeaderLookup.Found, body: [UInt8]) throws -> WebhookTimestamp {
        try body.withUnsafeBytes { try verifiedTimestamp(headers: (signature, timestamp), body: $0, maxAgeSeconds: nil) }
    }
}

// MARK: - The checks

extension WebhooksAPI {
    typealias Found = HeaderLookup.Found

    static let signatureKey = HeaderLookup.key("Vendo-Signature")
    static let timestampKey = HeaderLookup.key("Vendo-Timestamp")

    static func lookup(_ headers: [String: String]) -> (signature: Found, timestamp: Found) {
        HeaderLookup.findPair(signatureKey, timestampKey, in: headers, name: { $0.key }, value: { $0.value })
    }

    static func lookup(_ headers: some Sequence<(name: String, value: String)>) -> (signature: Found, timestamp: Found) {
        HeaderLookup.findPair(signatureKey, timestampKey, in: headers, name: { $0.name }, value: { $0.value })
    }

    static func lookup(_ headers: some Sequence<(String, String)>) -> (signature: Found, timestamp: Found) {
        HeaderLookup.findPair(signatureKey, timestampKey, in: headers, name: { $0.0 }, value: { $0.1 })
    }

    static func withBytes<R>(of body: String, _ body2: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if let result = try body.utf8.withContiguousStorageIfAvailable({ try body2(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        var copy = body
        return try copy.withUTF8 { try body2(UnsafeRawBufferPointer($0)) }
    }

    static func withBytes<R>(of body: some Collection<UInt8>, _ body2: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if let result = try body.withContiguousStorageIfAvailable({ try body2(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return try Array(body).withUnsafeBytes { try body2($0) }
    }

    func verifiedEvent(headers: (signature: Found, timestamp: Found), body: UnsafeRawBufferPointer, maxAgeSeconds: Int?) throws -> WebhookEvent {
        let envelope = try verifiedEnvelope(headers: headers, body: body, maxAgeSeconds: maxAgeSeconds)
        return WebhookEvent(validatedBody: Array(body), envelope: envelope, maxDepth: maxJSONDepth)
    }

    func verifiedEnvelope(headers: (signature: Found, timestamp: Found), body: UnsafeRawBufferPointer, maxAgeSeconds: Int?) throws -> JSONParser.Envelope {
        try verifiedTimestamp(headers: headers, body: body, maxAgeSeconds: maxAgeSeconds)
        let scan: JSONParser.Scan
        do throws(JSONParser.Failure) {
            scan = try JSONParser.scanEnvelope(body, maxDepth: maxJSONDepth)
        } catch {
            throw VendoError.validation(
                message: "Webhook body is not valid JSON (byte \(error.offset): \(error.reason)); "
                    + "use verifySignature(headers:body:) for bodies that are not JSON objects")
        }
        switch scan {
        case .notObject(let kind):
            throw VendoError.validation(
                message: "Webhook body is JSON but not an object (it is \(kind)); "
                    + "use verifySignature(headers:body:) for such bodies")
        case .object(let envelope):
            return envelope
        }
    }

    @discardableResult
    func verifiedTimestamp(headers: (signature: Found, timestamp: Found), body: UnsafeRawBufferPointer, maxAgeSeconds: Int?) throws -> WebhookTimestamp {
        if let setupError { throw setupError }
        guard !keys.isEmpty else {
            throw VendoError.validation(
                message: "No webhook secret configured: set VENDO_WEBHOOK_SECRET (several secrets separated "
                    + "by commas while rotating) or pass secret: to WebhooksAPI")
        }
        let maxAge = maxAgeSeconds ?? self.maxAgeSeconds
        guard maxAge >= 0 else {
            throw VendoError.validation(message: "maxAgeSeconds is \(maxAge); it must be 0 or more")
        }
        let signatureText = try Self.required(headers.signature, Self.signatureHeader, other: headers.timestamp, Self.timestampHeader)
        let timestampText = try Self.required(headers.timestamp, Self.timestampHeader, other: .one("x"), "")

        // Timestamp: parse, then the replay window.
        var timestampString = String(timestampText)
        let parsed = timestampString.withUTF8 { WebhookTimestamp.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed else { throw WebhookTimestamp.invalid(timestampString) }
        let timestamp = WebhookTimestamp(text: timestampString, seconds: parsed.seconds, format: parsed.format)
        let age = clock().timeIntervalSince1970 - parsed.seconds
        if age > Double(maxAge) {
            throw VendoError.validation(
                message: "Vendo-Timestamp is too old: \(Self.seconds(age)) in the past, more than the allowed "
                    + "\(maxAge) s (a replayed delivery, or a clock out of sync)")
        }
        if -age > Double(maxAge) {
            throw VendoError.validation(
                message: "Vendo-Timestamp is in the future by \(Self.seconds(-age)), more than the allowed "
                    + "\(maxAge) s (check the sender's and this machine's clocks)")
        }

        // Signature: strict hex, then constant-time comparison against every secret.
        return try withUnsafeTemporaryAllocation(byteCount: 2 * HMACSHA256.byteCount, alignment: 16) { scratch in
            let provided = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<HMACSHA256.byteCount])
            let computed = UnsafeMutableRawBufferPointer(rebasing: scratch[HMACSHA256.byteCount...])
            try Self.decodeSignature(signatureText, into: provided)
            let matched = timestampString.withUTF8 { stamp -> Bool? in
                let dot: UInt8 = 0x2E
                return withUnsafeBytes(of: dot) { dot in
                    // By index: `for key in keys` retained the array and each key,
                    // objects every thread verifying with this API shares.
                    for index in keys.indices {
                        guard keys[index].compute(UnsafeRawBufferPointer(stamp), dot, body, into: computed) else {
                            return nil
                        }
                        if CRYPTO_memcmp(computed.baseAddress, provided.baseAddress, HMACSHA256.byteCount) == 0 {
                            return true
                        }
                    }
                    return false
                }
            }
            guard let matched else { throw HMACSHA256.unavailable() }
            guard matched else {
                throw VendoError.validation(
                    message: "Vendo-Signature does not match"
                        + (keys.count > 1 ? " any of the \(keys.count) configured secrets" : "")
                        + ": the body or Vendo-Timestamp was altered, or VENDO_WEBHOOK_SECRET differs from the sender's")
            }
            return timestamp
        }
    }

    /// The header's trimmed value, or an error naming what is missing, empty or repeated.
    private static func required(_ found: Found, _ name: String, other: Found, _ otherName: String) throws -> Substring {
        switch found {
        case .missing:
            if case .missing = other {
                throw VendoError.validation(
                    message: "Missing \(name) and \(otherName) headers: the request was not signed by Vendo")
            }
            throw VendoError.validation(message: "Missing \(name) header: the request was not signed by Vendo")
        case .repeated(let count):
            throw VendoError.validation(message: "\(name) header appears \(count) times; a delivery carries exactly one")
        case .one(let value):
            guard !value.isEmpty else { throw VendoError.validation(message: "\(name) header is empty") }
            return value
        }
    }

    /// Decodes exactly 64 hex digits (either case) into 32 bytes.
    static func decodeSignature(_ text: Substring, into out: UnsafeMutableRawBufferPointer) throws {
        let expected = 2 * HMACSHA256.byteCount
        // The common case, straight through: 64 valid digits in contiguous storage.
        let decoded = text.utf8.withContiguousStorageIfAvailable { digits -> Bool in
            guard digits.count == expected else { return false }
            var invalid: UInt8 = 0
            for pair in 0..<HMACSHA256.byteCount {
                let high = hexValue(digits[2 &* pair])
                let low = hexValue(digits[2 &* pair &+ 1])
                invalid |= high | low
                out[pair] = high &<< 4 | low
            }
            return invalid < 0x10
        }
        if decoded == true { return }
        // Otherwise say exactly what is wrong (the first problem found).
        let bytes = Array(text.utf8)
        if bytes.count > 7, bytes.prefix(7).elementsEqual("sha256=".utf8, by: { ($0 | 0x20) == $1 }) {
            throw VendoError.validation(
                message: "Vendo-Signature has a \"sha256=\" prefix; Vendo sends the bare \(expected)-digit hex digest")
        }
        guard bytes.count == expected else {
            throw VendoError.validation(
                message: "Vendo-Signature has \(bytes.count) characters; expected exactly \(expected) hex digits")
        }
        for (position, byte) in bytes.enumerated() {
            let value = hexValue(byte)
            guard value < 0x10 else {
                throw VendoError.validation(
                    message: "Vendo-Signature has a non-hex character at position \(position + 1); expected \(expected) hex digits")
            }
            if position & 1 == 0 {
                out[position >> 1] = value &<< 4
            } else {
                out[position >> 1] |= value
            }
        }
    }

    /// The value of a hex digit (either case); 0xFF for anything else.
    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8 {
        let digit = byte &- 0x30
        if digit < 10 { return digit }
        let letter = (byte | 0x20) &- 0x61
        return letter < 6 ? letter &+ 10 : 0xFF
    }

    static func seconds(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return "\(Int(value)) s" }
        return "\((value * 1000).rounded() / 1000) s"
    }
}
