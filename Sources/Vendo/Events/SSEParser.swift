import Foundation

/// An incremental parser for `text/event-stream` bodies (server-sent events).
///
/// It does no I/O: feed it the body bytes as they arrive, in chunks of any
/// size and split anywhere, and it returns the events each chunk completes.
/// It follows the WHATWG event-stream interpretation:
///
/// - lines end in LF, CRLF or a lone CR (a CR at the end of one chunk and an LF
///   at the start of the next are one line ending); a leading UTF-8 BOM is skipped;
/// - a line starting with `:` is a comment (the platform's `: ping` heartbeat);
/// - `field: value` lines, with one space after the colon removed; a line with no
///   colon is a field with an empty value; unknown fields are ignored;
/// - `event` sets the type (default `message`), `data` lines are joined with LF,
///   `id` sets the id unless it contains U+0000, `retry` sets the reconnection
///   time when it is ASCII digits only (otherwise it is ignored);
/// - a blank line dispatches the event when it has data; the payload is parsed
///   as strict JSON (``JSONValue/parse(utf8:maxDepth:)``, nesting up to
///   ``JSONValue/defaultMaxParsingDepth``) and kept as a string when that fails;
/// - at the end of the stream (``finish()``) an event without its closing blank
///   line is discarded, as the standard requires.
///
/// ## The event size limit
/// One event may hold at most ``maxEventBytes`` bytes (default 1 MiB), counting
/// every non-comment line of its block without the line endings. A larger event
/// is **dropped**: the parser stops buffering it, keeps reading (later events are
/// unaffected) and, at the block's closing blank line, returns
/// ``Output/droppedOversizeEvent(_:)`` in place of the event, so the caller can
/// report it. `id:` and `retry:` lines of a dropped event still take effect when
/// they fit, so reconnection resumes after it. Memory held by one parser stays
/// under about twice the limit.
public struct SSEParser: Sendable {
    /// What feeding bytes can produce.
    public enum Output: Sendable, Equatable {
        /// A complete event.
        case event(EventStreamMessage)
        /// An event over ``SSEParser/maxEventBytes`` that was discarded.
        case droppedOversizeEvent(DroppedEvent)
    }

    /// What is known of a dropped event.
    public struct DroppedEvent: Sendable, Equatable, CustomStringConvertible {
        /// Why an event was dropped.
        public enum Reason: Sendable, Equatable {
            /// It was larger than ``SSEParser/maxEventBytes``; ``DroppedEvent/limit`` is in bytes.
            case oversize
            /// The consumer's buffer was full and the event cannot be replayed, as no event
            /// before it carried an `id:` to resume from (see
            /// `EventStreamOptions.maxBufferedEvents`); ``DroppedEvent/limit`` is in events.
            case bufferFull
        }

        /// The event type, when its `event:` line was read (else `"message"`).
        public var type: String
        /// The event's `id:`, when its line was read.
        public var id: String?
        /// The limit it went over: bytes for ``Reason/oversize``, events for ``Reason/bufferFull``.
        public var limit: Int
        /// Why it was dropped. Default ``Reason/oversize``.
        public var reason: Reason

        /// Creates a description of a dropped event.
        public init(type: String, id: String?, limit: Int, reason: Reason = .oversize) {
            self.type = type
            self.id = id
            self.limit = limit
            self.reason = reason
        }

        /// A sentence for logs; never includes the payload.
        public var description: String {
            let event = "server-sent event of type \"\(type)\"\(id.map { " (id \($0))" } ?? "")"
            switch reason {
            case .oversize:
                return "\(event) was larger than \(limit) bytes and was dropped; "
                    + "raise maxEventBytes if such events are expected"
            case .bufferFull:
                return "\(event) was dropped: the consumer had \(limit) events waiting (maxBufferedEvents) "
                    + "and the stream sends no event ids to resume from; read events faster or raise maxBufferedEvents"
            }
        }
    }

    /// The default ``maxEventBytes``: 1 MiB.
    public static let defaultMaxEventBytes = 1 << 20

    /// The largest event this parser builds, in bytes (see "The event size limit").
    public let maxEventBytes: Int

    /// The id to resume from (the standard's "last event ID string"): the last
    /// `id:` of a block whose closing blank line arrived, with or without data.
    /// An `id:` inside an event cut off by the end of the stream does not count.
    /// It persists across events and across ``finish()``, so it is what a
    /// reconnection sends as `Last-Event-ID`. An empty string means the server cleared it.
    public private(set) var lastEventID: String?

    /// The standard's "last event ID buffer": set by `id:`, committed at a blank line.
    private var idBuffer: String?

    /// The last valid `retry:` value seen, in milliseconds; persists like ``lastEventID``.
    public private(set) var reconnectionTime: Int?

    // Line assembly.
    private var line: [UInt8] = []
    private var lineIsComment = false
    private var lineOverflowed = false
    private var lastByteWasCR = false
    private var atStreamStart = true
    private var bomMatched = 0

    // The event block being built.
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var blockID: String?
    private var blockRetry: Int?
    private var blockBytes = 0
    private var blockOversize = false

    private var outputs: [Output] = []

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D
    private static let colon: UInt8 = 0x3A
    private static let space: UInt8 = 0x20

    /// Creates a parser.
    ///
    /// - Parameter maxEventBytes: the largest event kept, in bytes (at least 1;
    ///   default ``defaultMaxEventBytes``). See "The event size limit".
    public init(maxEventBytes: Int = SSEParser.defaultMaxEventBytes) {
        self.maxEventBytes = max(1, maxEventBytes)
    }

    /// Feeds the next bytes of the stream and returns the events they complete, in order.
    public mutating func parse<Bytes: Sequence>(_ bytes: Bytes) -> [Output] where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer { consume(byte) }
        }
        if handled == nil {
            for byte in bytes { consume(byte) }
        }
        defer { outputs.removeAll(keepingCapacity: true) }
        return outputs
    }

    /// Makes `id` the id to resume from, as if it were the last one read: the
    /// event stream uses it when it stopped reading after that event.
    mutating func resume(from id: String?) {
        lastEventID = id
        idBuffer = id
    }

    /// Ends the current stream: a partial line or event is discarded (never
    /// dispatched), and the parser is ready for a new stream, such as a
    /// reconnection. ``lastEventID`` and ``reconnectionTime`` are kept.
    public mutating func finish() {
        line.removeAll(keepingCapacity: false)
        lineIsComment = false
        lineOverflowed = false
        lastByteWasCR = false
        atStreamStart = true
        bomMatched = 0
        resetBlock()
        data = []
        outputs.removeAll()
        // An id read inside the discarded partial event was never committed.
        idBuffer = lastEventID
    }

    // MARK: - Bytes to lines

    private mutating func consume(_ byte: UInt8) {
        if lastByteWasCR {
            lastByteWasCR = false
            if byte == Self.lf { return }  // the LF of a CRLF pair
        }
        if atStreamStart, consumeBOM(byte) { return }
        switch byte {
        case Self.lf:
            endLine()
        case Self.cr:
            lastByteWasCR = true
            endLine()
        default:
            append(byte)
        }
    }

    /// Swallows a leading BOM; on a mismatch replays what was held back.
    private mutating func consumeBOM(_ byte: UInt8) -> Bool {
        if byte == Self.bom[bomMatched] {
            bomMatched += 1
            if bomMatched == Self.bom.count { atStreamStart = false }
            return true
        }
        atStreamStart = false
        for held in Self.bom.prefix(bomMatched) { append(held) }
        return false
    }

    private mutating func append(_ byte: UInt8) {
        if lineIsComment || lineOverflowed { return }
        if line.isEmpty, byte == Self.colon {
            // A comment: nothing of it is kept, whatever its length.
            lineIsComment = true
            return
        }
        if !blockOversize, blockBytes + line.count + 1 > maxEventBytes {
            blockOversize = true
            data = []
        }
        if line.count + 1 > maxEventBytes {
            lineOverflowed = true
            line.removeAll(keepingCapacity: false)
            return
        }
        line.append(byte)
    }

    private mutating func endLine() {
        defer {
            line.removeAll(keepingCapacity: line.count <= 4096)
            lineIsComment = false
            lineOverflowed = false
        }
        if lineIsComment { return }
        if lineOverflowed {
            blockBytes = maxEventBytes
            return
        }
        if line.isEmpty {
            dispatch()
            return
        }
        blockBytes += line.count
        processField()
    }

    // MARK: - Lines to events

    private mutating func processField() {
        let colonIndex = line.firstIndex(of: Self.colon)
        let nameEnd = colonIndex ?? line.endIndex
        var valueStart = colonIndex.map { line.index(after: $0) } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == Self.space {
            valueStart = line.index(after: valueStart)
        }
        let name = line[line.startIndex..<nameEnd]
        let value = line[valueStart..<line.endIndex]

        if name.elementsEqual("data".utf8) {
            guard !blockOversize else { return }
            data.append(contentsOf: value)
            data.append(Self.lf)
            hasData = true
        } else if name.elementsEqual("event".utf8) {
            eventType = String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual("id".utf8) {
            guard !value.contains(0) else { return }
            let id = String(decoding: value, as: UTF8.self)
            idBuffer = id
            blockID = id
        } else if name.elementsEqual("retry".utf8) {
            guard !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let milliseconds = Int(String(decoding: value, as: UTF8.self))
            else { return }
            reconnectionTime = milliseconds
            blockRetry = milliseconds
        }
    }

    private mutating func dispatch() {
        defer { resetBlock() }
        lastEventID = idBuffer
        let type = (eventType?.isEmpty == false ? eventType : nil) ?? "message"
        if blockOversize {
            outputs.append(.droppedOversizeEvent(DroppedEvent(type: type, id: blockID, limit: maxEventBytes)))
            return
        }
        guard hasData else { return }
        data.removeLast()  // the LF after the last data line
        // JSON when the data is one strict JSON value (RFC 8259, default nesting limit), else the text as sent.
        let json = data.withUnsafeBytes { bytes in try? JSONParser.parse(bytes) }
        let payload = json ?? .string(String(decoding: data, as: UTF8.self))
        outputs.append(.event(EventStreamMessage(type: type, data: payload, id: blockID, retry: blockRetry)))
    }

    private mutating func resetBlock() {
        data.removeAll(keepingCapacity: data.count <= 64 * 1024)
        hasData = false
        eventType = nil
        blockID = nil
        blockRetry = nil
        blockBytes = 0
        blockOversize = false
    }
}
