"""Services own the work: each module takes plain data from a listener or the CLI, applies the core rules,
reads and writes through the repositories, and talks to Slack. Nothing here knows about Bolt."""
