"""Bearer tokens (HMAC-SHA256, stdlib only), password login with lock-out, token → `Actor`.

A token is `base64url(json claims) "." base64url(hmac)`. Its claims name the officer, the expiry
and a fingerprint of the officer's password hash, so changing a password revokes every token
issued before. No business rules here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from api.errors import LoginLocked, NotAuthenticated
from cases.authority import Actor
from cases.enums import Role
from cases.fields import clean_text
from cases.models import Department, Officer
from cases.passwords import hash_password, verify_password

_DUMMY_HASH = hash_password("timing-equaliser")  # verify something even for unknown users
BAD_CREDENTIALS = "用户名或密码错误"
_ROLE_VALUES = frozenset(r.value for r in Role)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def issue_token(secret: bytes, officer: Officer, now: datetime, ttl: timedelta) -> str:
    claims = {"sub": officer.id, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp()),
              "pwd": fingerprint(officer.password_hash)}
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())}"


def read_token(secret: bytes, token: str, now: datetime) -> dict:
    """The claims of a genuine, unexpired token; NotAuthenticated otherwise."""
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise NotAuthenticated("登录凭证无效，请重新登录", code="token_invalid")
    try:
        claims = json.loads(_unb64(body))
        expires, officer_id = int(claims["exp"]), int(claims["sub"])
    except (ValueError, KeyError, TypeError):
        raise NotAuthenticated("登录凭证无效，请重新登录", code="token_invalid") from None
    if expires <= now.timestamp():
        raise NotAuthenticated("登录已过期，请重新登录", code="token_expired")
    return {**claims, "sub": officer_id}


def verify_token(secret: bytes, token: str, now: datetime) -> bool:
    """True for a genuine, unexpired token (the cheap half of `read_token`, no exception)."""
    try:
        read_token(secret, token, now)
    except NotAuthenticated:
        return False
    return True


def actor_of(officer: Officer, department: Department, now: datetime) -> Actor:
    roles = frozenset(Role(r) for r in officer.roles if r in _ROLE_VALUES)
    return Actor(officer_id=officer.id, roles=roles,
                 department_id=officer.department_id, region_code=department.region_code, name=officer.name,
                 certified=officer.certified_on(now.date()))


class ActorCache:
    """Token → Actor for `ttl` seconds, so a busy client costs one officer lookup per few seconds.

    The signature and expiry are still checked on every request; a password change, a
    deactivation or a role change made through this process clears the cache at once, one made
    in another worker process takes effect within `ttl` seconds (0 disables the cache).
    """

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self._clock = ttl, clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Actor]] = {}

    def get(self, token: str) -> Actor | None:
        hit = self._entries.get(token) if self.ttl > 0 else None
        return hit[1] if hit and hit[0] > self._clock() else None

    def put(self, token: str, actor: Actor) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[token] = (self._clock() + self.ttl, actor)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def actor_from_token(session: Session, secret: bytes, token: str, now: datetime,
                     cache: ActorCache | None = None) -> Actor:
    claims = read_token(secret, token, now)
    cached = cache.get(token) if cache else None
    if cached is not None:
        return cached
    row = session.exec(select(Officer, Department).join(Department, Department.id == Officer.department_id)
                       .where(Officer.id == claims["sub"])).first()
    if row is None or not row[0].active or fingerprint(row[0].password_hash) != claims.get("pwd"):
        raise NotAuthenticated("登录凭证已失效，请重新登录", code="token_revoked")
    actor = actor_of(row[0], row[1], now)
    if cache:
        cache.put(token, actor)
    return actor


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lock: timedelta


def login(session: Session, username: str, password: str, now: datetime, policy: LoginPolicy) -> Officer:
    """The officer for correct credentials. Failures count up; the n-th locks the account.

    Writes only `failed_logins` / `locked_until`, each by one atomic UPDATE, and commits them.
    """
    try:
        clean_text(username), clean_text(password)
    except ValueError:
        raise NotAuthenticated(BAD_CREDENTIALS, code="invalid_credentials") from None
    officer = session.exec(select(Officer).where(Officer.username == username)).first()
    if officer is None:
        verify_password(_DUMMY_HASH, password)
        raise NotAuthenticated(BAD_CREDENTIALS, code="invalid_credentials")
    if officer.locked_until is not None and officer.locked_until > now:
        raise _locked(officer.locked_until, now)
    if not (officer.active and officer.password_hash and verify_password(officer.password_hash, password)):
        _count_failure(session, officer, now, policy)
        raise NotAuthenticated(BAD_CREDENTIALS, code="invalid_credentials")
    if officer.failed_logins or officer.locked_until is not None:
        session.exec(update(Officer).where(Officer.id == officer.id)
                     .values(failed_logins=0, locked_until=None))
        session.commit()
    return officer


def _count_failure(session: Session, officer: Officer, now: datetime, policy: LoginPolicy) -> None:
    count = session.exec(update(Officer).where(Officer.id == officer.id)
                            .values(failed_logins=Officer.failed_logins + 1)
                            .returning(Officer.failed_logins)).scalar_one()
    if count >= policy.max_failures:
        until = now + policy.lock
        session.exec(update(Officer).where(Officer.id == officer.id)
                     .values(failed_logins=0, locked_until=until))
        session.commit()
        raise _locked(until, now)
    session.commit()


def _locked(until: datetime, now: datetime) -> LoginLocked:
    seconds = max(1, int((until - now).total_seconds()))
    minutes = (seconds + 59) // 60
    return LoginLocked(f"连续登录失败次数过多，账号已锁定，请{minutes}分钟后再试", retry_after=seconds,
                       locked_until=until.astimezone(UTC).isoformat())
