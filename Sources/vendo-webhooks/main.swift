print("vendo-webhooks: not built yet")
