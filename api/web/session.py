"""The web session cookie and CSRF tokens (stdlib HMAC, the API's secret).

* Session: the cookie holds the API's own signed token (`api.security.start_session`), naming a
  server-side session row, so expiry, logout, revocation on a password change or deactivation and
  the officer lookup are exactly the API's. HttpOnly, SameSite=Lax, Secure when the page was served
  over HTTPS (the scheme as the trusted proxy reports it, `api.security.ProxyHeaders`).
* CSRF: a random per-browser seed in its own HttpOnly cookie; every form carries
  HMAC(secret, seed + session token). A POST without the matching token is refused, so a
  foreign page can neither post as the user nor log the user into another account. Logging in
  or out changes the session part, which invalidates forms rendered before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

SESSION_COOKIE = "enforce_session"
CSRF_COOKIE = "enforce_csrf"
CSRF_FIELD = "csrf_token"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))


def session_token(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


def csrf_seed(request: Request) -> tuple[str, bool]:
    """(seed, new): the browser's seed, or a fresh one the response must set."""
    seed = request.cookies.get(CSRF_COOKIE, "")
    if 16 <= len(seed) <= 64 and seed.isascii():
        return seed, False
    cached = getattr(request.state, "csrf_seed", None)
    if cached:
        return cached, True
    request.state.csrf_seed = secrets.token_urlsafe(24)
    return request.state.csrf_seed, True


def csrf_token(secret: bytes, seed: str, session: str) -> str:
    return hmac.new(secret, f"csrf\n{seed}\n{session}".encode(), hashlib.sha256).hexdigest()


def token_for(request: Request) -> str:
    seed, _ = csrf_seed(request)
    return csrf_token(request.app.state.secret, seed, session_token(request))


def set_csrf_seed(response: Response, request: Request) -> None:
    seed, new = csrf_seed(request)
    if new:
        response.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=_secure(request), path="/")


def csrf_valid(request: Request, sent: str | None) -> bool:
    seed = request.cookies.get(CSRF_COOKIE, "")
    if not seed or not sent:
        return False
    expected = csrf_token(request.app.state.secret, seed, session_token(request))
    return hmac.compare_digest(expected, str(sent))
