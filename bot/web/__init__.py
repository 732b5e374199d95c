"""The web layer: the Bolt app, the HTTP server in front of it, Socket Mode, health, and the `serve` lifecycle."""
