#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import VendoCore
import VendoWebhooks

/// What one handler does with a verified event.
enum HandlerAction: Equatable, Sendable {
    /// Run a shell command (`/bin/sh -c`) with the delivery body on standard input.
    case exec(String)
    /// Run a program with these arguments, no shell (config file: `"exec": ["prog", "arg"]`).
    case execArgv([String])
    /// POST the verified raw body to a URL.
    case forward(String)

    var kind: String {
        switch self {
        case .exec, .execArgv: "exec"
        case .forward: "forward"
        }
    }

    /// The command or URL as JSON, for `--check-config`.
    var targetJSON: JSONValue {
        switch self {
        case .exec(let command): .string(command)
        case .execArgv(let argv): .array(argv.map(JSONValue.string))
        case .forward(let url): .string(url)
        }
    }
}

/// One configured handler: which events it takes, what it does, how long it may take.
struct HandlerSpec: Equatable, Sendable {
    /// Event-type patterns (`connection.*`); nil means every event.
    var patterns: [String]?
    var action: HandlerAction
    /// Overrides the global handler timeout for this handler.
    var timeout: Duration?
    /// Where it was configured, for messages ("--on #2", "hooks.json: handlers[1]").
    var origin: String
}

/// Parsing of `--exec`, `--forward`, `--on TYPE=ACTION` and the JSON config file.
enum RouteConfig {
    /// Parses `--on PATTERNS=exec:CMD` or `--on PATTERNS=forward:URL`.
    /// PATTERNS is one event-type pattern or several separated by commas.
    static func parseOn(_ text: String, origin: String) throws -> HandlerSpec {
        let usage = "expected --on TYPE=exec:COMMAND or --on TYPE=forward:URL (e.g. --on 'connection.*=exec:./on-connection.sh')"
        guard let equals = text.firstIndex(of: "=") else {
            throw CLIError("\(origin) '\(text)': missing '=': \(usage)")
        }
        let patternText = String(text[..<equals])
        let actionText = String(text[text.index(after: equals)...])
        let patterns = try parsePatterns(patternText, origin: "\(origin) '\(text)'")
        guard let colon = actionText.firstIndex(of: ":") else {
            throw CLIError("\(origin) '\(text)': the action must start with exec: or forward:; \(usage)")
        }
        let kind = actionText[..<colon].trimmedWhitespace.lowercased()
        let value = String(actionText[actionText.index(after: colon)...])
        let action: HandlerAction
        switch kind {
        case "exec": action = try execAction(value, origin: "\(origin) '\(text)'")
        case "forward": action = try forwardAction(value, origin: "\(origin) '\(text)'")
        default:
            throw CLIError("\(origin) '\(text)': unknown action '\(kind)': \(usage)")
        }
        return HandlerSpec(patterns: patterns, action: action, timeout: nil, origin: origin)
    }

    /// Splits and checks a comma-separated list of event-type patterns.
    static func parsePatterns(_ text: String, origin: String) throws -> [String] {
        let patterns = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmedWhitespace }
        guard !patterns.isEmpty, !patterns.contains(where: \.isEmpty) else {
            throw CLIError("\(origin): empty event type; give a type such as connection.connected or a pattern such as connection.*")
        }
        for pattern in patterns {
            do {
                _ = try EventPattern(parsing: pattern)
            } catch {
                throw CLIError("\(origin): event type pattern '\(pattern)': \(error.reason)")
            }
        }
        return patterns
    }

    /// Checks a command for `--exec`.
    static func execAction(_ command: String, origin: String) throws -> HandlerAction {
        let trimmed = command.trimmedWhitespace
        guard !trimmed.isEmpty else {
            throw CLIError("\(origin): empty command; give a shell command such as ./handle-event.sh")
        }
        return .exec(trimmed)
    }

    /// Checks a URL for `--forward`: absolute `http://` with a host. `https://` is
    /// refused here, at start-up, rather than failing every delivery later.
    static func forwardAction(_ url: String, origin: String) throws -> HandlerAction {
        let trimmed = url.trimmedWhitespace
        do {
            _ = try OutboundURL(trimmed)
        } catch {
            throw CLIError("\(origin): \(error.description)")
        }
        return .forward(trimmed)
    }

    /// Reads the JSON config file. Unknown keys are errors, so a typo is not silently ignored.
    static func load(path: String) throws -> ConfigFile {
        let data: Data
        do {
            data = Data(try FileBytes.read(path))
        } catch {
            throw CLIError("cannot read config file \(path): \(describeFileError(error))")
        }
        return try parse(data, name: path)
    }

    /// Parses config file contents; `name` appears in every message.
    static func parse(_ data: Data, name: String) throws -> ConfigFile {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: data)
        } catch {
            throw CLIError("\(name) is not valid JSON (\(jsonErrorDetail(error))); the config file is JSON, see docs/cli.md")
        }
        guard let object = root.objectValue else {
            throw CLIError("\(name): the top level must be a JSON object such as {\"handlers\": [...]}")
        }
        let known = ["handlers", "handler_timeout"]
        for key in object.keys.sorted() where !known.contains(key) {
            throw CLIError("\(name): unknown key '\(key)' (known keys: \(known.joined(separator: ", ")))")
        }
        var config = ConfigFile()
        if let timeout = object["handler_timeout"] {
            config.handlerTimeout = try durationValue(timeout, at: "\(name): handler_timeout")
        }
        guard let handlersValue = object["handlers"] else {
            throw CLIError("\(name): missing \"handlers\": list the handlers, e.g. {\"handlers\": [{\"on\": \"connection.*\", \"exec\": \"./handle.sh\"}]}")
        }
        guard let handlers = handlersValue.arrayValue else {
            throw CLIError("\(name): \"handlers\" must be an array of objects")
        }
        for (index, entry) in handlers.enumerated() {
            config.handlers.append(try handler(entry, at: "\(name): handlers[\(index)]"))
        }
        return config
    }

    private static func handler(_ entry: JSONValue, at origin: String) throws -> HandlerSpec {
        guard let object = entry.objectValue else {
            throw CLIError("\(origin) must be an object such as {\"on\": \"connection.*\", \"exec\": \"./handle.sh\"}")
        }
        let known = ["on", "exec", "forward", "timeout"]
        for key in object.keys.sorted() where !known.contains(key) {
            throw CLIError("\(origin): unknown key '\(key)' (known keys: \(known.joined(separator: ", ")))")
        }
        var patterns: [String]?
        switch object["on"] {
        case nil:
            patterns = nil
        case .string(let single):
            patterns = try parsePatterns(single, origin: "\(origin).on")
        case .array(let list):
            let strings = list.compactMap(\.stringValue)
            guard strings.count == list.count, !strings.isEmpty else {
                throw CLIError("\(origin).on must be a string or a non-empty array of strings")
            }
            patterns = try strings.flatMap { try parsePatterns($0, origin: "\(origin).on") }
        default:
            throw CLIError("\(origin).on must be a string or a non-empty array of strings")
        }
        let action: HandlerAction
        switch (object["exec"], object["forward"]) {
        case (let command?, nil):
            if let argv = command.arrayValue {
                let strings = argv.compactMap(\.stringValue)
                guard strings.count == argv.count, let program = strings.first, !program.isEmpty else {
                    throw CLIError("\(origin).exec must be a shell command string or a non-empty array of strings [program, arg…]")
                }
                action = .execArgv(strings)
            } else if let shell = command.stringValue {
                action = try execAction(shell, origin: "\(origin).exec")
            } else {
                throw CLIError("\(origin).exec must be a shell command string or a non-empty array of strings [program, arg…]")
            }
        case (nil, let url?):
            guard let url = url.stringValue else { throw CLIError("\(origin).forward must be a string (a URL)") }
            action = try forwardAction(url, origin: "\(origin).forward")
        case (nil, nil):
            throw CLIError("\(origin): give \"exec\" (a command) or \"forward\" (a URL)")
        case (_?, _?):
            throw CLIError("\(origin): give either \"exec\" or \"forward\", not both (use two entries)")
        }
        var timeout: Duration?
        if let value = object["timeout"] {
            timeout = try durationValue(value, at: "\(origin).timeout")
        }
        return HandlerSpec(patterns: patterns, action: action, timeout: timeout, origin: origin)
    }

    private static func durationValue(_ value: JSONValue, at origin: String) throws -> Duration {
        let text: String? = switch value {
        case .string(let string): string
        case .int(let int): String(int)
        case .double(let double): String(double)
        default: nil
        }
        if let text, let duration = Units.duration(text), duration > .zero { return duration }
        throw CLIError("\(origin) must be a positive duration such as \"10s\", \"500ms\" or a number of seconds")
    }

    private static func jsonErrorDetail(_ error: Error) -> String {
        (error as? VendoError)?.message ?? String(describing: error)
    }
}

/// The contents of `--config FILE`.
struct ConfigFile: Equatable, Sendable {
    var handlers: [HandlerSpec] = []
    var handlerTimeout: Duration?
}
