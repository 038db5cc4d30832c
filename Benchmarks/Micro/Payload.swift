/// A realistic Vendo event body of exactly `size` bytes: the envelope plus a
/// `data` object with a nested connection record and a filler string.
func eventBody(size: Int = 1024) -> String {
    func make(filler: Int) -> String {
        """
        {"id":"evt_01HZX9K2M4TQ7B8N3V5C6D7E8F","type":"connection.status_changed",\
        "occurred_at":"2026-05-20T12:00:00.123Z","data":{"slug":"notion","connection_id":\
        "conn_8d1f2a3b4c5d6e7f","status":"needs_reauth","kind":"connection.status_changed",\
        "at":"2026-05-20T12:00:00Z","attempt":3,"ratio":0.75,"retry":true,"previous":null,\
        "scopes":["read_content","update_content","insert_content","read_user"],\
        "metadata":{"workspace_id":"ws_3f9a","workspace_name":"Acme \\u00e9quipe","owner":\
        {"type":"user","user_id":"usr_42","email":"ops@example.com"},"tags":["crm","docs",\
        "prod"],"limits":{"daily":1000,"monthly":25000,"used":812}},\
        "note":"\(String(repeating: "x", count: filler))"}}
        """
    }
    let base = make(filler: 0).utf8.count
    return make(filler: max(0, size - base))
}
