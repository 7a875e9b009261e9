"""The `livecommerce` command: one module per command group."""
