"""双随机 draws: random inspection targets and random inspectors, both reproducible from a seed.

Pure (stdlib only). Targets: `random.Random(seed).sample()` over the register (the planning
area's institutions) sorted by institution id, so the same register and seed give the same list
on any machine and Python version that keeps `random`'s documented seeding (integer seeds are
stable across runs; no hash randomisation is involved). `replay_draw` is what `enforce patrol
verify-draw PLAN_ID` calls with the register and the seed recorded with the plan. The draw does
not look at risk grades or complaints; an institution that is drawn and also due (or complained
about) is visited once and its visit carries every reason.

Inspectors: the planner adds a small seed-driven cost to every (officer, township, day) choice
(`officer_jitter`), so among officers the rules and the fairness penalty leave equal, which one
goes where is decided by the seed, not by list order or officer id. It is a keyed hash rather
than a shared `Random` stream so that adding one officer does not reshuffle everybody else.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable
from datetime import date

from cases.errors import ValidationFailed


def draw_count(
    register_size: int, span_days: int, *, annual_share: float = 0.05, min_count: int = 1,
    fixed_count: int | None = None,
) -> int:
    """How many institutions one planning window draws.

    Default: the annual share (≥5% of the register a year, docs/law.md §5) pro rata for the
    window, rounded up, at least `min_count`. A configured fixed count wins.
    """
    if register_size <= 0:
        return 0
    if fixed_count:
        return min(fixed_count, register_size)
    wanted = math.ceil(annual_share * register_size * span_days / 365 - 1e-9)
    return min(register_size, max(min_count, wanted))


def _count_for(pool_size: int, share_or_count: int | float) -> int:
    if isinstance(share_or_count, bool) or share_or_count < 0:
        raise ValidationFailed("抽取数量或比例必须为非负数", code="draw_share")
    if isinstance(share_or_count, int):
        return min(share_or_count, pool_size)
    if share_or_count > 1:
        raise ValidationFailed("抽取比例必须在0到1之间", code="draw_share")
    return min(pool_size, max(1, math.ceil(share_or_count * pool_size - 1e-9))) if pool_size else 0


def replay_draw(register_ids: Iterable[int], seed: int, share_or_count: int | float) -> list[int]:
    """The drawn institution ids, in draw order.

    `register_ids` is the pool the draw was made from (order and duplicates do not matter: it is
    sorted and de-duplicated first); an int is a count, a float in (0, 1] a share of the pool.
    """
    pool = sorted(set(register_ids))
    count = _count_for(len(pool), share_or_count)
    return random.Random(seed).sample(pool, count)


def pool_digest(ids: Iterable[int]) -> str:
    """SHA-256 of the sorted, comma-joined pool: lets an auditor confirm the pool before replaying."""
    text = ",".join(str(i) for i in sorted(set(ids)))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def officer_jitter(seed: int, officer_id: int, township: str, day: date, spread: int) -> int:
    """A seed-driven integer in [0, spread]: the random part of matching inspectors to places."""
    if spread <= 0:
        return 0
    key = f"{seed}|{officer_id}|{township}|{day.isoformat()}".encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") % (spread + 1)
