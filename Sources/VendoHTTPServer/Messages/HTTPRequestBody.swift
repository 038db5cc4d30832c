/// A request body as chunks of bytes in the order they arrive.
///
/// Iterate it to process the body as it streams (the server reads from the
/// socket only as fast as you consume, and sends `100 Continue` when you start),
/// or `collect(upTo:)` it. A body from the server can be iterated once. A
/// `Content-Length` body that arrived in full with the request head (the usual
/// case for small requests) is already read: it comes as one chunk.
public struct HTTPRequestBody: AsyncSequence, Sendable {
    /// A chunk of body bytes.
    public typealias Element = [UInt8]

    enum Storage: Sendable {
        case bytes([UInt8])
        case stream(RequestBodyStream)
    }

    let storage: Storage

    init(stream: RequestBodyStream) {
        storage = .stream(stream)
    }

    /// A body of these bytes (in-process tests use it; the server uses it
    /// for a body that arrived whole with the request head).
    public init(bytes: [UInt8]) {
        storage = .bytes(bytes)
    }

    /// No body.
    public static var empty: HTTPRequestBody { HTTPRequestBody(bytes: []) }

    /// The length the client declared (`Content-Length`) or the length of a
    /// fixed body; `nil` for a chunked body.
    public var expectedLength: Int? {
        switch storage {
        case .bytes(let bytes): bytes.count
        case .stream(let stream): stream.declaredLength
        }
    }

    /// The whole body when it is already in memory (it arrived with the
    /// request head, or was given as bytes); `nil` when it still streams from
    /// the client, to be iterated or collected. Reading it sends no
    /// `100 Continue` and consumes nothing.
    public var bufferedBytes: [UInt8]? {
        if case .bytes(let bytes) = storage { return bytes }
        return nil
    }

    /// Reads the whole body. Throws `HTTPError(.payloadTooLarge)` as soon as it
    /// is known to exceed `maxBytes` (from `Content-Length` before reading
    /// anything); the server's own `maxBodySize` applies regardless (413 +
    /// close). Also throws when the connection fails mid-body.
    public func collect(upTo maxBytes: Int = .max) async throws -> [UInt8] {
        if let expectedLength, expectedLength > maxBytes {
            throw HTTPError(.payloadTooLarge, message: "The request body exceeds \(maxBytes) bytes.")
        }
        switch storage {
        case .bytes(let bytes):
            return bytes
        case .stream:
            var collected: [UInt8] = []
            if let expectedLength { collected.reserveCapacity(expectedLength) }
            for try await chunk in self {
                if chunk.count > maxBytes - collected.count {
                    throw HTTPError(.payloadTooLarge, message: "The request body exceeds \(maxBytes) bytes.")
                }
                if collected.isEmpty {
                    collected = chunk
                } else {
                    collected.append(contentsOf: chunk)
                }
            }
            return collected
        }
    }

    /// Iterates the chunks.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var fixed: [UInt8]?
        private let stream: RequestBodyStream?

        init(_ storage: Storage) {
            switch storage {
            case .bytes(let bytes):
                fixed = bytes.isEmpty ? nil : bytes
                stream = nil
            case .stream(let stream):
                fixed = nil
                self.stream = stream
            }
        }

        /// The next chunk, or `nil` at the end of the body.
        public mutating func next() async throws -> [UInt8]? {
            if let stream { return try await stream.next() }
            defer { fixed = nil }
            return fixed
        }
    }

    /// Starts iterating.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(storage)
    }
}
