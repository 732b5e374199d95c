"""What every service runs on: the Context built from its parts, the background pool, the writer thread that
commits answers together, and the small in-process memories."""
