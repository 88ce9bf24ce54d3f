"""The second factor: one-time codes (TOTP, RFC 6238) and one-use recovery codes.

Every role signs in with a password and a one-time code from an authenticator app. A code is
accepted for the current 30-second step or the one either side (clock drift), and never for a
step at or before the last one accepted, so an observed code cannot be replayed. Recovery codes
(``RECOVERY_CODES`` of them, made at enrolment) stand in for a lost authenticator, once each.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time

import pyotp

ISSUER = "reunify"
RECOVERY_CODES = 10
#: ``xxxxx-xxxxx`` in lower-case hex: 40 random bits, told apart from a six-digit code at once.
_RECOVERY = re.compile(r"^[0-9a-f]{5}-[0-9a-f]{5}$")


def new_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def totp_step(secret: str, code: str, *, last_step: int, now: float | None = None) -> int:
    """The time step ``code`` is valid for (now ±1 step), if later than ``last_step``; else 0."""
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit():
        return 0
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // totp.interval)
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return 0


def new_recovery_codes() -> list[str]:
    """``RECOVERY_CODES`` fresh recovery codes, shown once and kept only as hashes."""
    return [f"{h[:5]}-{h[5:]}" for h in (secrets.token_hex(5) for _ in range(RECOVERY_CODES))]


def is_recovery_code(code: str) -> bool:
    """Whether ``code`` is spelt like a recovery code (not a six-digit one-time code)."""
    return bool(_RECOVERY.match((code or "").strip().lower()))


def recovery_hash(code: str, key: bytes) -> str:
    """How a recovery code is kept: keyed (HMAC-SHA-256, key from the environment), so a copy of
    the store alone does not let its 40 bits be searched."""
    return hmac.new(key, code.strip().lower().encode("ascii"), "sha256").hexdigest()
