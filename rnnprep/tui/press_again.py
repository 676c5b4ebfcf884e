"""A key that would throw work away asks for a second press instead of opening a dialog."""

from __future__ import annotations

import time


class PressAgain:
    """True on the second press of the same key within `window_s` seconds."""

    def __init__(self, window_s: float = 4.0):
        self.window_s = window_s
        self._first: dict[str, float] = {}

    def __call__(self, key: str) -> bool:
        now = time.monotonic()
        if now - self._first.pop(key, float("-inf")) <= self.window_s:
            return True
        self._first[key] = now
        return False
