print("vendo-bench: not built yet")
