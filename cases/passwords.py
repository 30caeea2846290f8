"""Password hashing (argon2id) for officer accounts, and the policy every new password meets.

`hash_password` is the only way a password hash is made, so the policy holds for every way a
password is set (API, pages, command line, demo): at least `MIN_LENGTH` characters, not made
of one repeated character (at least `MIN_DISTINCT` different ones), not one of the common
passwords in `cases/data/common_passwords.txt` (also after trimming leading and trailing digits
and punctuation), not the username.
"""

from __future__ import annotations

import string
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cases.caches import register_cache
from cases.errors import ValidationFailed
from cases.settings import DATA_DIR

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_DISTINCT = 4
_TRIM = string.digits + string.punctuation + " "
_hasher = PasswordHasher()


@lru_cache
def common_passwords() -> frozenset[str]:
    lines = (DATA_DIR / "common_passwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


register_cache("cases.passwords.common_passwords", common_passwords.cache_clear)


def password_problem(password: str, username: str = "") -> str | None:
    """The policy's reason (Chinese) why `password` may not be used, or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}位"
    if len(password) > MAX_LENGTH:
        return f"密码最多{MAX_LENGTH}位"
    if len(set(password)) == 1 or not password.strip():
        return "密码不能由同一个字符重复组成"
    folded = password.casefold()
    candidates = {folded, folded.strip(_TRIM), folded.rstrip(_TRIM), folded.lstrip(_TRIM)}
    common = common_passwords()
    if any(c in common for c in candidates) or len(set(folded.strip(_TRIM))) <= 1:
        return "密码过于常见，容易被猜中，请换一个"
    if len(set(folded)) < MIN_DISTINCT:
        return f"密码至少包含{MIN_DISTINCT}个不同的字符"
    if username and username.casefold() in candidates:
        return "密码不能与用户名相同"
    return None


def check_password(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem:
        raise ValidationFailed(f"密码不符合要求：{problem}", code="weak_password", reason=problem)


def hash_password(password: str, username: str = "") -> str:
    """The argon2id hash of a new password that meets the policy (ValidationFailed otherwise)."""
    check_password(password, username)
    return _hasher.hash(password)


def dummy_hash() -> str:
    """A hash to verify against for unknown users (same cost as a real one); not a usable password."""
    return _hasher.hash("unknown-user-timing-equaliser")


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
