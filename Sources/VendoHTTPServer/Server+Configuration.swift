extension HTTPServer {
    /// Everything an `HTTPServer` can be told; every default is safe for a
    /// public webhook endpoint.
    public struct Configuration: Sendable {
        /// The address to bind: numeric IPv4 (`127.0.0.1`, `0.0.0.0` for every
        /// interface) or IPv6 (`::1`, `::`); `localhost` means `127.0.0.1`.
        public var host: String
        /// The TCP port; `0` picks a free one (read it from `HTTPServer.port`).
        public var port: Int
        /// How many connections the kernel queues before they are accepted.
        public var backlog: Int32
        /// The most connections open at once. At the limit the server stops
        /// accepting (new clients wait in the kernel's backlog) and starts
        /// again as connections close.
        public var maxConnections: Int
        /// Request size limits, enforced by the parser (414, 431, 413, 400).
        public var limits: HTTPParserLimits
        /// How long a client may take at each stage.
        public var timeouts: Timeouts
        /// How long `shutdown()` lets in-flight requests run before it closes
        /// their connections.
        public var shutdownGracePeriod: Duration

        /// A configuration; every parameter has its default.
        ///
        /// - Parameters:
        ///   - host: `"127.0.0.1"` (loopback only).
        ///   - port: `8080`.
        ///   - backlog: `512` pending connections.
        ///   - maxConnections: `1024` open connections.
        ///   - limits: request line 8 KiB, header section 16 KiB, 100 header
        ///     fields, body 1 MiB, chunk extensions 4 KiB (see `HTTPParserLimits`).
        ///   - timeouts: header read 10 s, body read 30 s, idle keep-alive 5 s,
        ///     write 30 s, lingering close 2 s (see `Timeouts`).
        ///   - shutdownGracePeriod: `10` seconds.
        public init(
            host: String = "127.0.0.1",
            port: Int = 8080,
            backlog: Int32 = 512,
            maxConnections: Int = 1024,
            limits: HTTPParserLimits = HTTPParserLimits(),
            timeouts: Timeouts = Timeouts(),
            shutdownGracePeriod: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.backlog = backlog
            self.maxConnections = maxConnections
            self.limits = limits
            self.timeouts = timeouts
            self.shutdownGracePeriod = shutdownGracePeriod
        }

        /// Checks the values `start()` cannot work with.
        func validate() throws(HTTPServerError) {
            guard (0...65_535).contains(port) else {
                throw HTTPServerError("port \(port) is outside 0...65535; use 0 for a free port")
            }
            guard backlog > 0 else { throw HTTPServerError("backlog must be at least 1 (got \(backlog))") }
            guard maxConnections > 0 else {
                throw HTTPServerError("maxConnections must be at least 1 (got \(maxConnections))")
            }
            guard limits.maxRequestLineLength > 0, limits.maxHeaderBytes > 0, limits.maxHeaderCount > 0,
                  limits.maxBodySize >= 0, limits.maxChunkExtensionBytes >= 0 else {
                throw HTTPServerError("limits must be positive (got \(limits))")
            }
            for (name, value) in [("headerRead", timeouts.headerRead), ("bodyRead", timeouts.bodyRead),
                                  ("idle", timeouts.idle), ("write", timeouts.write),
                                  ("lingeringClose", timeouts.lingeringClose)] where value <= .zero {
                throw HTTPServerError("timeouts.\(name) must be positive (got \(value))")
            }
            guard shutdownGracePeriod >= .zero else {
                throw HTTPServerError("shutdownGracePeriod must not be negative (got \(shutdownGracePeriod))")
            }
        }
    }
}

/// A server that cannot start or was misused: what was wrong and what to do.
public struct HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The explanation.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
