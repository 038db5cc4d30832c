#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The process environment as the tool reads it: trimmed values, empty means unset.
///
/// Every setting that has a flag may also come from a variable (its "env
/// twin"), so a container can be configured without a command line. A flag
/// always wins over its variable.
struct Environment: Sendable {
    private let values: [String: String]

    init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The trimmed value of `name`, or nil when unset or blank.
    subscript(name: String) -> String? {
        guard let raw = values[name] else { return nil }
        let trimmed = raw.trimmedWhitespace
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Every variable, as the libraries take it.
    var dictionary: [String: String] { values }

    /// The raw value of `name`, untrimmed (for the rare setting where spaces matter).
    func raw(_ name: String) -> String? { values[name] }

    /// The flag's value when given, else the variable's, else nil.
    func pick(_ flag: String?, _ variable: String) -> Setting<String>? {
        if let flag { return Setting(value: flag, source: .flag) }
        if let value = self[variable] { return Setting(value: value, source: .environment(variable)) }
        return nil
    }

    /// A boolean variable: 1/true/yes/on or 0/false/no/off (case-insensitive).
    func bool(_ variable: String) throws -> Bool? {
        guard let value = self[variable] else { return nil }
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            throw CLIError("\(variable)=\(value) is not a boolean: use 1 or 0 (true/false, yes/no, on/off)")
        }
    }
}

/// A configured value and where it came from, so errors can name the culprit.
struct Setting<Value> {
    enum Source: Equatable {
        case flag
        case environment(String)
        case configFile(String)
    }

    var value: Value
    var source: Source

    /// How an error message refers to this setting, e.g. "--port" or "PORT".
    func describe(flag: String) -> String {
        switch source {
        case .flag: flag
        case .environment(let name): name
        case .configFile(let path): "\(path): \(flag)"
        }
    }
}
