"""In-process token buckets keyed by client address, and the login throttle (per worker process).

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

    def ready(self, key: str) -> None:
        """RateLimited when `take` would refuse now; takes nothing (checked before a body is read)."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / self.rate)
            raise RateLimited(f"请求过于频繁，请{wait}秒后再试", retry_after=wait)

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


class LoginThrottle:
    """Failed logins, counted per (client, username) and per client, each with a growing delay.

    After `free` failures of one client on one username, that pair waits `base` seconds, doubling
    with every further failure up to `cap`; after `client_free` failures of one client on any
    usernames, the client waits likewise. A success clears the pair. Another client — the real
    user at their own desk — is never slowed by someone else's failures, and the throttle keys
    on the name as typed, so unknown and existing names are answered alike. Entries idle for
    twice `cap` are forgotten (memory stays bounded).
    """

    def __init__(self, free: int, client_free: int, base: float, cap: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.client_free, self.base, self.cap = free, client_free, base, cap
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], tuple[int, float, float]] = {}  # key → (failures, until, last)

    @staticmethod
    def _keys(client: str, username: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return (client, username.strip().casefold()), (client, "")

    def check(self, client: str, username: str) -> None:
        """LoginLocked when this client must still wait for this name (or for any name)."""
        now = self._clock()
        with self._lock:
            waits = [until - now for key in self._keys(client, username)
                     for _n, until, _l in [self._entries.get(key, (0, 0.0, 0.0))] if until > now]
        if waits:
            from api.errors import LoginLocked

            seconds = max(1, math.ceil(max(waits)))
            wait = f"{seconds}秒" if seconds < 120 else f"{math.ceil(seconds / 60)}分钟"
            raise LoginLocked(f"登录失败次数过多，请{wait}后再试", retry_after=seconds)

    def failed(self, client: str, username: str) -> None:
        now = self._clock()
        pair, whole = self._keys(client, username)
        with self._lock:
            for key, free in ((pair, self.free), (whole, self.client_free)):
                count = self._entries.get(key, (0, 0.0, 0.0))[0] + 1
                until = now + min(self.cap, self.base * 2 ** (count - free)) if count >= free else 0.0
                self._entries[key] = (count, until, now)
            if len(self._entries) > MAX_KEYS:
                for key in [k for k, (_n, _u, last) in self._entries.items() if now - last > 2 * self.cap]:
                    del self._entries[key]

    def succeeded(self, client: str, username: str) -> None:
        with self._lock:
            self._entries.pop(self._keys(client, username)[0], None)

    def forget(self, username: str) -> None:
        """An administrator unlocked the account: clear every client's failures on this name."""
        name = username.strip().casefold()
        with self._lock:
            for key in [k for k in self._entries if k[1] == name]:
                del self._entries[key]
