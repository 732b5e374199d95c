"""A small memory of what this process saw a moment ago, so a burst does not ask the database again."""

from __future__ import annotations

import time
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Values remembered for `seconds`; at most `size` of them (past that it starts again, empty).

    Only facts that cannot change while remembered belong here: a post's channel and message, the choice
    a person's first answer made. Safe to share between threads: each call is one dict operation."""

    def __init__(self, seconds: float, size: int = 1000) -> None:
        self._seconds = seconds
        self._size = size
        self._items: dict[K, tuple[V, float]] = {}

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None or time.monotonic() - item[1] >= self._seconds:
            return None
        return item[0]

    def put(self, key: K, value: V) -> None:
        if len(self._items) >= self._size:
            self._items.clear()
        self._items[key] = (value, time.monotonic())
