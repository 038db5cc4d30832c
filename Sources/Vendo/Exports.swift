// The models, errors, webhook verification and SSO live in VendoCore (no
// networking, so the webhook endpoint can link them without URLSession).
// Re-exported so `import Vendo` sees the same names it always did.
@_exported import VendoCore
