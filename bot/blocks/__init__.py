"""Block Kit builders: plain data in, plain dicts out, within Slack's size limits."""
