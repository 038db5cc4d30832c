/// A response read by ``OutboundHTTPClient``: status, headers in order, whole body.
package struct OutboundHTTPResponse: Sendable {
    /// The status code (100…599).
    package var status: Int
    /// The reason phrase as sent (may be empty).
    package var reason: String
    /// Header fields in the order received, duplicates kept.
    package var headers: [(name: String, value: String)]
    /// The body, de-chunked.
    package var body: [UInt8]

    /// The first value of `name` (any case), if present.
    package func header(_ name: String) -> String? {
        headers.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }
}
