"""Bearer tokens (HMAC-SHA256, stdlib only), server-side sessions, password login with throttling, token → `Actor`.

A token is `base64url(json claims) "." base64url(hmac)`. Its claims name the officer, the expiry,
a fingerprint of the officer's password hash and a random session id. The session id's SHA-256
is a row of `auth_session`: logging out, a password change, a deactivation and a re-activation
end the row, and a token whose row is ended (or missing) is refused, however long it would
otherwise live.

Failed logins are throttled per (client, username) and per client (`api.ratelimit.LoginThrottle`),
in memory, with delays that grow with each failure. The throttle never looks at whether the
username exists, and nothing about an account is written on a failure, so the answers (and
their timing) are the same for existing and unknown names, and nobody can lock a user out of
their own client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from api.errors import NotAuthenticated
from api.ratelimit import LoginThrottle
from cases.authority import Actor
from cases.enums import Role
from cases.fields import clean_text
from cases.models import AuthSession, Department, Officer
from cases.passwords import dummy_hash, verify_password

_DUMMY_HASH = dummy_hash()  # verify something even for unknown users
BAD_CREDENTIALS = "用户名或密码错误"
_ROLE_VALUES = frozenset(r.value for r in Role)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def session_key(sid: str) -> str:
    return hashlib.sha256(f"session\n{sid}".encode()).hexdigest()


def issue_token(secret: bytes, officer: Officer, now: datetime, ttl: timedelta, sid: str) -> str:
    claims = {"sub": officer.id, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp()),
              "pwd": fingerprint(officer.password_hash), "sid": sid}
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


def token_subject(secret: bytes, token: str) -> int | None:
    """The officer id of a genuinely signed token, expired or not; None otherwise."""
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        return None
    try:
        return int(json.loads(_unb64(body))["sub"])
    except (ValueError, KeyError, TypeError):
        return None


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

    The signature and expiry are still checked on every request; a logout, a password change, a
    deactivation or a role change made through this process clears the entry at once, one made
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

    def discard(self, token: str) -> None:
        with self._lock:
            self._entries.pop(token, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def actor_from_token(session: Session, secret: bytes, token: str, now: datetime,
                     cache: ActorCache | None = None) -> Actor:
    claims = read_token(secret, token, now)
    cached = cache.get(token) if cache else None
    if cached is not None:
        return cached
    sid = claims.get("sid")
    row = session.exec(select(Officer, Department, AuthSession)
                       .join(Department, Department.id == Officer.department_id)
                       .join(AuthSession, AuthSession.officer_id == Officer.id)
                       .where(Officer.id == claims["sub"], AuthSession.id == session_key(str(sid)))).first() \
        if isinstance(sid, str) else None
    if row is None or not row[0].active or fingerprint(row[0].password_hash) != claims.get("pwd") \
            or row[2].ended_at is not None or row[2].expires_at <= now:
        raise NotAuthenticated("登录凭证已失效，请重新登录", code="token_revoked")
    actor = actor_of(row[0], row[1], now)
    if cache:
        cache.put(token, actor)
    return actor


def start_session(session: Session, secret: bytes, officer: Officer, now: datetime, ttl: timedelta,
                  client: str = "") -> str:
    """A new session row (committed) and the token naming it."""
    sid = secrets.token_urlsafe(24)
    session.add(AuthSession(id=session_key(sid), officer_id=officer.id, created_at=now, expires_at=now + ttl,
                            client=client[:64]))
    session.commit()
    return issue_token(secret, officer, now, ttl, sid)


def end_session(session: Session, secret: bytes, token: str, now: datetime, reason: str = "logout") -> bool:
    """End the session a (genuine) token names; False when there was nothing to end. Commits."""
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        return False
    try:
        sid = json.loads(_unb64(body)).get("sid")
    except (ValueError, AttributeError):
        return False
    if not isinstance(sid, str):
        return False
    ended = session.exec(update(AuthSession).where(AuthSession.id == session_key(sid), AuthSession.ended_at.is_(None))
                         .values(ended_at=now, ended_reason=reason)).rowcount
    session.commit()
    return bool(ended)


def end_sessions_of(session: Session, officer_id: int, now: datetime, reason: str) -> int:
    """End every open session of an officer, in the caller's transaction (not committed)."""
    return session.exec(update(AuthSession).where(AuthSession.officer_id == officer_id,
                                                  AuthSession.ended_at.is_(None))
                        .values(ended_at=now, ended_reason=reason)).rowcount


def login(session: Session, username: str, password: str, client: str, throttle: LoginThrottle) -> Officer:
    """The officer for correct credentials; NotAuthenticated (401) for wrong ones, LoginLocked (429)
    while this client has to wait after its failures. Writes nothing on a failure."""
    throttle.check(client, username)  # before any lookup or hashing: the same for every name
    try:
        clean_text(username), clean_text(password)
    except ValueError:
        throttle.failed(client, username)
        raise NotAuthenticated(BAD_CREDENTIALS, code="invalid_credentials") from None
    officer = session.exec(select(Officer).where(Officer.username == username)).first()
    stored = officer.password_hash if officer is not None and officer.password_hash else _DUMMY_HASH
    matches = verify_password(stored, password)
    if officer is None or not officer.active or not officer.password_hash or not matches:
        throttle.failed(client, username)
        raise NotAuthenticated(BAD_CREDENTIALS, code="invalid_credentials")
    throttle.succeeded(client, username)
    if officer.failed_logins or officer.locked_until is not None:  # left by the former account lock
        session.exec(update(Officer).where(Officer.id == officer.id).values(failed_logins=0, locked_until=None))
        session.commit()
    return officer


# --- ASGI middleware: the client behind trusted proxies, and the security headers -----------------


class ProxyHeaders:
    """Believe X-Forwarded-For / X-Forwarded-Proto only from the configured proxy addresses.

    The client is the right-most X-Forwarded-For entry that is not a trusted proxy (entries left
    of it were written by the client and are ignored); the scheme is the proxy's
    X-Forwarded-Proto. A request from anywhere else keeps its socket address and scheme.
    """

    def __init__(self, app, networks: list[str]) -> None:  # noqa: ANN001
        import ipaddress

        self.app = app
        self.networks = [ipaddress.ip_network(n, strict=False) for n in networks]

    def trusted(self, host: str) -> bool:
        import ipaddress

        try:
            address = ipaddress.ip_address(host.strip().strip("[]"))
        except ValueError:
            return False
        return any(address in net for net in self.networks)

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] in ("http", "websocket") and self.networks and scope.get("client") \
                and self.trusted(scope["client"][0]):
            headers = dict(scope.get("headers") or [])
            forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            client = next((h for h in reversed(hops) if not self.trusted(h)), hops[0] if hops else None)
            proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").split(",")[-1].strip().lower()
            scope = dict(scope)
            if client:
                scope["client"] = (client[:64], 0)
            if proto in ("http", "https") and scope["type"] == "http":
                scope["scheme"] = proto
        await self.app(scope, receive, send)


PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The /docs page: FastAPI's inline bootstrap script and Swagger UI from /static/vendor/swagger-ui (no CDN)
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"  # JSON, PDFs, images: nothing to run


class SecurityHeaders:
    """The same protective headers on every response (JSON, pages, /docs, static files, PDFs):
    nosniff, no framing, no referrer, a Content-Security-Policy per kind of content, `no-store`
    unless the route chose its own caching (static files excepted), and HSTS over HTTPS."""

    def __init__(self, app, hsts_seconds: int = 0) -> None:  # noqa: ANN001
        self.app, self.hsts_seconds = app, hsts_seconds

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        https = scope.get("scheme") == "https"

        async def with_headers(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _v in headers}
                kind = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"").split(b";")[0].strip()
                if kind == b"text/html":
                    csp = DOCS_CSP if path.startswith("/docs") else PAGE_CSP
                else:
                    csp = OTHER_CSP
                add = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                       (b"referrer-policy", b"no-referrer"), (b"content-security-policy", csp.encode()),
                       (b"cross-origin-opener-policy", b"same-origin"),
                       (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()")]
                if not path.startswith("/static/"):
                    add.append((b"cache-control", b"no-store"))
                if https and self.hsts_seconds:
                    add.append((b"strict-transport-security", f"max-age={self.hsts_seconds}".encode()))
                headers += [(k, v) for k, v in add if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
