"""Secrets kept in the store (TOTP secrets) are encrypted with a key from the environment.

``REUNIFY_FIELD_KEY`` holds Fernet keys, newest first: values are encrypted with the first and
read with any, so a key is rotated by putting the new one in front. In development, without the
variable, a key is made once under ``DATA_DIR/field.key``; production refuses to start without it
(``reunify.settings``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _development_key_file() -> Path:
    return Path(settings.DATA_DIR) / "field.key"


def field_keys() -> list[str]:
    """The keys in force, newest first (in development, made once if there are none)."""
    if settings.FIELD_KEYS:
        return list(settings.FIELD_KEYS)
    if not settings.DEVELOPMENT:
        raise ImproperlyConfigured("REUNIFY_FIELD_KEY is not set")
    path = _development_key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, Fernet.generate_key())
            os.close(handle)
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return [path.read_text().strip()]


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in field_keys()])


def seal(text: str) -> str:
    """``text`` encrypted for the store ("" stays "")."""
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii") if text else ""


def unseal(token: str) -> str:
    """The text ``seal`` encrypted ("" stays ""); a token no key in force opens is an error."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "a stored secret cannot be decrypted: REUNIFY_FIELD_KEY lacks the key it was "
            "encrypted with") from error
