#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import VendoCore

extension ServeSettings {
    /// The effective configuration for `--check-config`. Secrets are only
    /// counted; handlers show where each came from.
    var summary: JSONValue {
        var handlerList: [JSONValue] = []
        for spec in handlers {
            var entry: [String: JSONValue] = [
                "on": spec.patterns.map { .array($0.map(JSONValue.string)) } ?? .string("*"),
                spec.action.kind: spec.action.targetJSON,
                "timeout": .string(Units.describe(spec.timeout ?? handlerTimeout)),
                "origin": .string(spec.origin),
            ]
            if case .execArgv = spec.action { entry["shell"] = .bool(false) }
            handlerList.append(.object(entry))
        }
        let secretSummary: JSONValue = switch secrets {
        case .configured(let list, let sources):
            .object(["mode": "configured", "count": .int(list.count), "sources": .array(sources.map(JSONValue.string))])
        case .development:
            .object(["mode": "development", "count": 0, "sources": []])
        }
        func optionalPath(_ path: String?) -> JSONValue { path.map(JSONValue.string) ?? .null }
        return .object([
            "host": .string(host),
            "port": .int(port),
            "paths": .object([
                "webhook": .string(webhookPath),
                "health": .string(healthPath),
                "identity": optionalPath(identityPath),
                "metrics": optionalPath(metricsPath),
                "telegram": optionalPath(telegramPath),
            ]),
            "trust_proxy": .bool(trustProxy),
            "max_age_seconds": .int(maxAgeSeconds),
            "max_body_bytes": .int(maxBodyBytes),
            "secrets": secretSummary,
            "handlers": .array(handlerList),
            "handler_timeout": .string(Units.describe(handlerTimeout)),
            "dedupe_capacity": .int(dedupeCapacity),
            "server": .object([
                "max_connections": .int(maxConnections),
                "idle_timeout": .string(Units.describe(idleTimeout)),
                "header_timeout": .string(Units.describe(headerTimeout)),
                "body_timeout": .string(Units.describe(bodyTimeout)),
                "shutdown_grace": .string(Units.describe(shutdownGrace)),
            ]),
            "log_level": .string(logLevel.rawValue),
            "log_format": .string(logFormat.rawValue),
        ])
    }
}

/// JSON output for the commands that print JSON.
enum JSONOutput {
    /// Pretty, key-sorted JSON text with unescaped slashes.
    static func pretty(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Compact, key-sorted JSON text.
    static func compact(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
