"""Every process-wide cache, registered in one place and resettable at once.

A module that keeps something for the life of the process (an `lru_cache` on a loader, a
module-level dict, a lazily built singleton) registers how to forget it, next to its definition:

    @lru_cache
    def load_catalogue() -> Catalogue: ...
    register_cache("cases.catalogue.load_catalogue", load_catalogue.cache_clear)

`reset_all()` forgets them all: tests call it between sessions and after changing the
environment, and `enforce calendar load` after writing a new holiday table. Registration happens
when the module is imported, so a cache is listed exactly when it can hold something.

This module imports nothing from the project, so any layer may use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_clearers: dict[str, Callable[[], object]] = {}
_guard = threading.Lock()


def register_cache(name: str, clear: Callable[[], object]) -> None:
    """Register `clear` under `name` (the cache's dotted path); registering a name again replaces it."""
    with _guard:
        _clearers[name] = clear


def registered() -> list[str]:
    """The names of the caches registered so far, sorted."""
    with _guard:
        return sorted(_clearers)


def reset_all() -> list[str]:
    """Clear every registered cache; the names cleared."""
    with _guard:
        clearers = dict(_clearers)
    for clear in clearers.values():
        clear()
    return sorted(clearers)
