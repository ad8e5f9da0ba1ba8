"""A rate limit for the web app: a sliding window of question times per browser session or client.

In memory and per process: it keeps one session (or one program's address) from flooding the
shared queue, and is no defence against many of them (the queue size limit is).
"""

from __future__ import annotations

import threading
import time

from .errors import AssistantError


class TooManyQuestions(AssistantError):
    """A session or client asked more questions than the rate limit allows."""


class RateLimit:
    """At most `limit` questions per `window` seconds from one key (0: unlimited; a None key is never limited)."""

    def __init__(self, limit: int = 30, window: float = 60.0):
        self.limit, self.window = limit, window
        self._asked: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str | None) -> bool:
        if not key or self.limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._asked.get(key, []) if now - t < self.window]
            allowed = len(recent) < self.limit
            if allowed:
                recent.append(now)
            self._asked[key] = recent
            if len(self._asked) > 10_000:  # forget idle keys, so many one-off clients can't grow the table
                self._asked = {k: ts for k, ts in self._asked.items() if now - ts[-1] < self.window}
            return allowed

    def message(self) -> str:
        """What a session or program that asked too fast is told."""
        return (f"That is more than {self.limit} questions in {self.window:.0f} seconds; "
                "please wait a moment and ask again.")
