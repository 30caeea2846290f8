"""In-process token buckets keyed by client address (per worker process).

Each bucket holds up to `burst` tokens and refills at `rate_per_minute`; a request takes one
token or is refused with `RateLimited` (429) naming the seconds until the next token. Buckets
idle long enough to be full again are dropped, so memory stays bounded.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from api.errors import RateLimited

MAX_KEYS = 100_000


class TokenBucket:
    def __init__(self, burst: int, rate_per_minute: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.rate = float(burst), rate_per_minute / 60.0
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, last refill)

    def take(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise RateLimited(f"请求过于频繁，请{wait}秒后再试", retry_after=wait)
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_KEYS:
                self._prune(now)

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate
        for key in [k for k, (_t, last) in self._buckets.items() if now - last > full_after]:
            del self._buckets[key]
