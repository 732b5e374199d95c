"""Repositories: the only modules that speak SQL. Each takes a Session and returns plain data."""
