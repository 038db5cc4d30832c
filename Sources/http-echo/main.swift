print("http-echo: not built yet")
