"""Running the app: the scheduler's tick, health and readiness, migrations and content gaps for operators, and
each workspace's install lifecycle."""
