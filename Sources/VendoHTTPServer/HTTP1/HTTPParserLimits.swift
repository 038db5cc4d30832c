/// Size limits the request parser enforces before it buffers or believes
/// anything a client sends. Every limit is on by default; each one maps to
/// the status a client receives when it is exceeded.
public struct HTTPParserLimits: Sendable, Hashable {
    /// Longest request line accepted, in octets, not counting its CRLF.
    /// Longer lines are refused with `414 URI Too Long`.
    public var maxRequestLineLength: Int
    /// Most octets accepted for all header field lines of one request
    /// together, each line counted with its CRLF (the request line and the
    /// final empty line are not counted). Trailer sections of chunked bodies
    /// get their own budget of the same size. Beyond it: `431 Request Header
    /// Fields Too Large`.
    public var maxHeaderBytes: Int
    /// Most header field lines accepted in one request (and, separately, in
    /// one trailer section). Beyond it: `431 Request Header Fields Too Large`.
    public var maxHeaderCount: Int
    /// Largest request body accepted, in octets. A `Content-Length` above it
    /// is refused before any body byte is read; a chunked body is counted
    /// while it is decoded and refused as soon as a chunk size would pass it.
    /// Beyond it: `413 Content Too Large`.
    public var maxBodySize: Int
    /// Most octets of chunk extensions (everything after the chunk size on a
    /// chunk-size line) accepted across one chunked body. Extensions are
    /// ignored, so this only bounds the work a client can make us do.
    /// Beyond it: `400 Bad Request`.
    public var maxChunkExtensionBytes: Int

    /// Creates limits; every default suits a webhook receiver.
    ///
    /// - Parameters:
    ///   - maxRequestLineLength: default 8 KiB (8192); RFC 9112 §3 asks for at least 8000.
    ///   - maxHeaderBytes: default 16 KiB (16384).
    ///   - maxHeaderCount: default 100 header lines.
    ///   - maxBodySize: default 1 MiB (1048576).
    ///   - maxChunkExtensionBytes: default 4 KiB (4096).
    public init(
        maxRequestLineLength: Int = 8 * 1024,
        maxHeaderBytes: Int = 16 * 1024,
        maxHeaderCount: Int = 100,
        maxBodySize: Int = 1 << 20,
        maxChunkExtensionBytes: Int = 4 * 1024
    ) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodySize = maxBodySize
        self.maxChunkExtensionBytes = maxChunkExtensionBytes
    }
}
