"""A per-session rate limit for the chat page: a sliding window of question times per browser session.

In memory and per process: it keeps one session from flooding the shared queue, and is no defence
against many sessions (the queue size limit is).
"""

from __future__ import annotations

import threading
import time


class RateLimit:
    """At most `limit` questions per `window` seconds from one browser session (None: unlimited)."""

    def __init__(self, limit: int = 30, window: float = 60.0):
        self.limit, self.window = limit, window
        self._asked: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def allow(self, session: str | None) -> bool:
        if not session or self.limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._asked.get(session, []) if now - t < self.window]
            allowed = len(recent) < self.limit
            if allowed:
                recent.append(now)
            self._asked[session] = recent
            return allowed
