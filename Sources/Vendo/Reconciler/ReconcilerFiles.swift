import Foundation

/// The `.env` file and its companion state file, `<envFile>.vendo-state.json`,
/// which remembers what was last written so runs can be compared.
///
/// The state file is a JSON object of the variables written (as the other
/// Vendo SDKs keep it), mode 0600 like the `.env`: it holds the same secrets.
/// The `.env` is always written before the state, so a crash between the two
/// makes the next run write again rather than skip a change.
struct ReconcilerFiles: Sendable {
    let envFile: String
    var stateFile: String { Self.stateFile(for: envFile) }

    static func stateFile(for envFile: String) -> String { envFile + ".vendo-state.json" }

    /// The variables the last run wrote; `nil` when there is no usable state file
    /// (missing, or not a JSON object of strings: it is rewritten on the next write).
    func readState() throws -> [String: String]? {
        guard let bytes = try DurableFile.read(stateFile) else { return nil }
        guard let object = try? JSONDecoder().decode([String: String].self, from: Data(bytes)) else { return nil }
        return object
    }

    /// Writes `values` when they differ from the state or the `.env` is missing.
    ///
    /// - Returns: the diff from the previous state when the files were written
    ///   (empty when only a missing `.env` was restored), `nil` when nothing was written.
    /// - Throws: ``ReconcilerError`` for bad names or values (before touching any
    ///   file) and for I/O failures.
    func apply(_ values: [String: String]) throws -> ReconcilerDiff? {
        let text = try DotEnvFile.render(values)
        let previous = try readState()
        if let previous, previous == values, DurableFile.exists(envFile) { return nil }
        try DurableFile.write(Array(text.utf8), to: envFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try DurableFile.write(Array(try encoder.encode(values)), to: stateFile)
        return ReconcilerDiff(from: previous ?? [:], to: values)
    }
}
