import Foundation

/// Anything that can list the deployment's connections: a ``Vendo`` client, or
/// `VendoTesting.MockClient` in tests.
public protocol ConnectionListing: Sendable {
    /// The deployment's connections, as `connections.list()` returns them.
    func listConnections() async throws -> [Connection]
}

extension Vendo: ConnectionListing {
    /// `connections.list()`.
    public nonisolated func listConnections() async throws -> [Connection] {
        try await connections.list()
    }
}

extension Reconciler {
    /// The mapping the platform's own deploy worker uses: from each connected
    /// connection's `envBootstrap.vars`, variable `name` gets the value named by
    /// `valueFrom`. See ``CatalogDefault`` for the exact rules.
    ///
    /// ```swift
    /// let catalog = Reconciler.catalogDefault(client: vendo)
    /// let handle = try await Reconciler.start(
    ///     envFile: "/app/.env", mapping: catalog.mapping,
    ///     onChange: catalog.restartHandler(gateway: { await gateway.reload() }))
    /// ```
    ///
    /// - Parameters:
    ///   - client: where the connections come from (a ``Vendo``, or a mock).
    ///   - env: the environment; with `VENDO_SANDBOX=1` exclusive connections are skipped,
    ///     as the platform does in customize sandboxes.
    public static func catalogDefault(
        client: some ConnectionListing, env: [String: String] = ProcessInfo.processInfo.environment
    ) -> CatalogDefault {
        CatalogDefault(source: client, sandbox: env["VENDO_SANDBOX"] == "1")
    }
}

/// A mapping built from the connections' `envBootstrap`, and a restart handler
/// that honours each connection's `restart` policy (see ``Reconciler/catalogDefault(client:env:)``).
///
/// Rules of the mapping:
/// - only connections whose status is `connected` and that have an `envBootstrap`;
///   in a sandbox (`VENDO_SANDBOX=1`), not the `exclusive` ones;
/// - for each of their `vars`, `valueFrom` names the value:
///   - a top-level field by its wire or Swift name (`api_key`/`apiKey`, `base_url`,
///     `id`, `external_id`, `slug`…);
///   - a dotted path into `credential`, `metadata` or `context`
///     (`credential.bot_token`, `metadata.team.id`);
///   - any other bare name is looked up in `credential`, then `metadata.credential`
///     (where the platform merges decrypted credentials), then `metadata`, then `context`;
/// - strings are used as they are, numbers and Booleans as their JSON text, objects
///   and arrays as compact JSON; a missing or `null` value leaves the variable out;
/// - when two connections set the same variable, the later one in the list wins.
///
/// The mapping throws when listing the connections fails, which leaves the `.env`
/// as it was.
public struct CatalogDefault: Sendable {
    /// Restart policy per variable name, from the runs so far.
    private let policies = Locked<[String: String]>([:])
    private let source: any ConnectionListing
    private let sandbox: Bool

    init(source: any ConnectionListing, sandbox: Bool) {
        self.source = source
        self.sandbox = sandbox
    }

    /// The mapping: lists the connections and builds the variables.
    public var mapping: Reconciler.Mapping {
        { [source, sandbox, policies] in
            let connections = try await source.listConnections()
            let (values, restart) = Self.variables(from: connections, sandbox: sandbox)
            policies.withLock { $0.merge(restart) { _, new in new } }
            return values
        }
    }

    /// The variables and their restart policies for a list of connections (no I/O).
    public static func variables(from connections: [Connection], sandbox: Bool = false)
        -> (values: [String: String], restart: [String: String])
    {
        var values: [String: String] = [:]
        var restart: [String: String] = [:]
        for connection in connections where connection.status == .connected {
            guard let bootstrap = connection.envBootstrap else { continue }
            if sandbox, connection.exclusive == true { continue }
            for variable in bootstrap.vars where !variable.name.isEmpty {
                guard let value = value(named: variable.valueFrom, in: connection) else { continue }
                values[variable.name] = value
                restart[variable.name] = bootstrap.restart
            }
        }
        return (values, restart)
    }

    /// The restart policy (`"gateway"`, `"none"`…) of the connection that last set `name`.
    public func restartPolicy(for name: String) -> String? {
        policies.withLock { $0[name] }
    }

    /// An `onChange` that calls `gateway` when a changed variable (added, removed or
    /// changed) belongs to a connection whose `envBootstrap.restart` is `"gateway"`,
    /// and does nothing when they are all `"none"`.
    ///
    /// - Parameter gateway: what restarting means for your app; by default the
    ///   process exits with status 0 for its supervisor to restart it, as
    ///   ``Reconciler/OnChange/restart`` does.
    public func restartHandler(gateway: (@Sendable () async -> Void)? = nil) -> Reconciler.OnChange {
        restartHandler(gateway: gateway, terminate: { exit($0) })
    }

    func restartHandler(gateway: (@Sendable () async -> Void)?, terminate: @escaping @Sendable (Int32) -> Void)
        -> Reconciler.OnChange
    {
        .call { [policies] diff in
            let names = diff.added + diff.removed + diff.changed
            let needsRestart = policies.withLock { known in names.contains { known[$0] == "gateway" } }
            guard needsRestart else { return }
            if let gateway { await gateway() } else { terminate(0) }
        }
    }

    // MARK: - valueFrom

    static func value(named path: String, in connection: Connection) -> String? {
        let path = path.trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty else { return nil }
        let wire = connection.jsonObject
        let segments = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let head = snakeCase(segments[0])
        if let root = wire[head] {
            return text(of: lookup(Array(segments.dropFirst()), in: root))
        }
        guard segments.count == 1 else { return nil }
        let candidates: [JSONValue?] = [
            wire["credential"]?[path],
            wire["metadata"]?["credential"]?[path],
            wire["metadata"]?[path],
            wire["context"]?[path],
        ]
        for candidate in candidates {
            if let found = text(of: candidate) { return found }
        }
        return nil
    }

    private static func lookup(_ rest: [String], in value: JSONValue) -> JSONValue? {
        var current: JSONValue? = value
        for key in rest { current = current?[key] }
        return current
    }

    private static func text(of value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        case .double(let number)?: return String(number)
        case .bool(let flag)?: return flag ? "true" : "false"
        case let other?: return (try? other.jsonData()).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// `apiKey` → `api_key`, `externalID` → `external_id`; snake_case is left alone.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        var previousWasUpper = false
        for character in name {
            if character.isUppercase {
                if !result.isEmpty, !previousWasUpper { result += "_" }
                result += character.lowercased()
                previousWasUpper = true
            } else {
                result.append(character)
                previousWasUpper = false
            }
        }
        return result
    }
}
