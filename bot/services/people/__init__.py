"""People's data: export a person's data, forget a person, purge workspaces that left."""
