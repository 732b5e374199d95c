"""What every service runs on: the Context built from its parts, the background pool, the writer thread that
commits answers together, the small in-process memories, and the optional language-model client."""
