import Foundation

/// Composio-backed actions through Vendo's data proxy (`vendo.data`). Vendo mode only.
public struct DataAPI: Sendable {
    let context: ClientContext

    init(context: ClientContext) {
        self.context = context
    }

    /// Runs an action: `POST {data proxy}/v1/execute` with `{"action_id": action, "args": args}`.
    ///
    /// - Parameters:
    ///   - action: the action ID, e.g. `"SUPABASE_BETA_RUN_SQL_QUERY"`.
    ///   - args: the action's arguments.
    ///   - idempotencyKey: sent as `Idempotency-Key`; a fresh UUID when `nil` (the same one on every retry).
    /// - Returns: the answer's `data` member, or the whole body when it has none.
    /// - Throws: ``VendoError/vendoOnlyFeature(featureName:)`` in OSS mode (before any I/O);
    ///   ``VendoError/notConnected(slug:message:)`` when the action's provider is not connected;
    ///   ``VendoError/upstream(status:message:)`` (code `composio_error`) when the action fails.
    public func execute(
        _ action: String, _ args: [String: JSONValue] = [:], idempotencyKey: String? = nil
    ) async throws -> JSONValue {
        try context.requireVendoMode("data.execute")
        guard let action = Configuration.nonEmpty(action) else {
            throw VendoError.validation(message: "data.execute needs an action ID such as \"SUPABASE_BETA_RUN_SQL_QUERY\"; it got an empty string.")
        }
        let url = URLEncoding.url(context.dataProxyURL, segments: ["v1", "execute"])
        let body: JSONValue = ["action_id": .string(action), "args": .object(args)]
        let answer = try await HTTPClient(context: context).json(
            "POST", url, service: .dataProxy, json: body, idempotencyKey: idempotencyKey)
        if let object = answer.objectValue, let data = object["data"] { return data }
        return answer
    }
}
