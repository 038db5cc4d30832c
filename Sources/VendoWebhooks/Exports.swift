// The receiver's API shows VendoCore's types (WebhookEvent, VendoIdentity,
// JSONValue, …), so `import VendoWebhooks` brings them along. Not `Vendo`:
// the SDK client needs URLSession, which the endpoint must not link.
@_exported import VendoCore
