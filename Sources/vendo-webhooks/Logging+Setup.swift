import Logging

/// The two log formats `--log-format` offers.
enum LogFormat: String, CaseIterable, Sendable {
    /// Human-readable lines (swift-log's stream handler) on standard error.
    case text
    /// One JSON object per line on standard error.
    case json
}

/// Bootstraps swift-log once for the process; only the executable does this.
enum LogSetup {
    static func bootstrap(level: Logger.Level, format: LogFormat) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }

    /// Parses a level name as swift-log spells them, plus "warn".
    static func level(_ text: String) -> Logger.Level? {
        let lowered = text.lowercased()
        if lowered == "warn" { return .warning }
        return Logger.Level(rawValue: lowered)
    }
}
