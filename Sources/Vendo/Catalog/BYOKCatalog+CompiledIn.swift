extension BYOKCatalog {
    /// The catalogue as compiled into the library: used when `byok.json` cannot
    /// be found next to the binary. A test checks that it equals the resource,
    /// so edit both together.
    static let compiledIn: [String: BYOK.Entry] = [
        "openai": BYOK.Entry(envVars: ["OPENAI_API_KEY"], oauth: false),
        "anthropic": BYOK.Entry(envVars: ["ANTHROPIC_API_KEY"], oauth: false),
        "openrouter": BYOK.Entry(envVars: ["OPENROUTER_API_KEY"], oauth: false),
        "telegram": BYOK.Entry(envVars: ["TELEGRAM_BOT_TOKEN"], oauth: false),
        "elevenlabs": BYOK.Entry(envVars: ["ELEVENLABS_API_KEY"], oauth: false),
        "assemblyai": BYOK.Entry(envVars: ["ASSEMBLYAI_API_KEY"], oauth: false),
        "muapi": BYOK.Entry(envVars: ["MUAPI_API_KEY"], oauth: false),
        "notion": BYOK.Entry(envVars: ["NOTION_API_TOKEN"], oauth: true),
        "gmail": BYOK.Entry(envVars: ["GMAIL_ACCESS_TOKEN"], oauth: true),
        "slack": BYOK.Entry(envVars: ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], oauth: true),
    ]
}
