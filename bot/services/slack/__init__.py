"""Talking to Slack: Web API clients with safe retries, OAuth installations and their tokens, and the courier
process that carries replies to response_urls. Knows nothing of the jobs built on it."""
