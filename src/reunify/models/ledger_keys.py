"""The ledger's secrets: the Ed25519 key that signs checkpoints and the salt of salted hashes.

Both live under ``DATA_DIR/ledger/`` unless ``REUNIFY_LEDGER_KEY`` (a PEM file) or
``REUNIFY_LEDGER_SALT`` (the salt itself) say otherwise. In development they are created on
first use — but only for a store without ledger entries: a store that already has entries
(restored without its data folder, say) whose key or salt is missing is an error, never a new
key, which would leave the ledger unverifiable with either. In production they must exist, or
nothing is appended.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from reunify.rules import ledger as formats


def key_file() -> Path:
    """Where the signing key is (or will be created)."""
    return Path(settings.LEDGER_KEY_FILE or settings.DATA_DIR / "ledger" / "signing-key.pem")


def salt_file() -> Path:
    """Where the salt is (or will be created) when REUNIFY_LEDGER_SALT is not set."""
    return Path(settings.DATA_DIR) / "ledger" / "salt"


def create_secret_file(path: Path, content: bytes) -> None:
    """Write a key or salt file (mode 0600) that must not exist yet (a restore)."""
    _create_once(path, content)
    if path.read_bytes() != content:
        raise FileExistsError(f"{path} was created meanwhile with other content")


def _create_once(path: Path, content: bytes) -> None:
    """Write ``path`` unless it exists; two processes racing agree on the first one written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, content)
        os.fsync(handle)
        os.close(handle)
        # Atomic, and fails if another process won the race: then theirs is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _missing(what: str, variable: str, path: Path) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"the ledger's {what} is missing: set {variable} or provide {path} "
        "(outside development it is never created automatically)"
    )


def _may_create(what: str, variable: str, path: Path) -> None:
    """Refuse to create a secret for a store whose ledger already has entries."""
    from reunify.models.ledger import LedgerEntry

    if LedgerEntry.objects.exists():
        raise ImproperlyConfigured(
            f"the ledger's {what} is missing ({path}) but the store already has ledger entries: "
            f"restore it from the backup (`reunify restore`) or set {variable}; a new {what} "
            "would leave the ledger unverifiable"
        )


@cache
def signing_key() -> Ed25519PrivateKey:
    """The key checkpoints are signed with; created on first use in development only."""
    path = key_file()
    if not path.exists():
        if not settings.DEVELOPMENT or settings.LEDGER_KEY_FILE:
            raise _missing("signing key", "REUNIFY_LEDGER_KEY", path)
        _may_create("signing key", "REUNIFY_LEDGER_KEY", path)
        _create_once(path, private_key_pem(Ed25519PrivateKey.generate()))
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return key


def public_key() -> Ed25519PublicKey:
    """The public half of the signing key."""
    return signing_key().public_key()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """A private key as unencrypted PKCS#8 PEM (protect the file, not the bytes)."""
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """A public key as SubjectPublicKeyInfo PEM."""
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def read_public_key(path: Path) -> Ed25519PublicKey:
    """Load a PEM public key (or the public half of a PEM private key) from ``path``."""
    data = Path(path).read_bytes()
    key = (load_pem_private_key(data, password=None).public_key()
           if b"PRIVATE KEY" in data else load_pem_public_key(data))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 key")
    return key


@cache
def salt() -> bytes:
    """The store's secret salt for salted hashes; created on first use in development only."""
    if settings.LEDGER_SALT:
        if len(settings.LEDGER_SALT) < 32:
            raise ImproperlyConfigured("REUNIFY_LEDGER_SALT must be at least 32 characters")
        return settings.LEDGER_SALT.encode("utf-8")
    path = salt_file()
    if not path.exists():
        if not settings.DEVELOPMENT:
            raise _missing("salt", "REUNIFY_LEDGER_SALT", path)
        _may_create("salt", "REUNIFY_LEDGER_SALT", path)
        _create_once(path, secrets.token_hex(32).encode("ascii"))
    return path.read_bytes().strip()


def salted_hash(text: str) -> str:
    """A person's data as the ledger may hold it: HMAC-SHA256 under the store's secret salt.

    Equal inputs give equal hashes within one store, so entries about the same data can be
    found; without the salt the hash reveals nothing, and erasing the data leaves it verifying.
    """
    return formats.salted_hash(salt(), text)


def reset_cache() -> None:
    """Forget the loaded key and salt (tests that switch DATA_DIR call it)."""
    signing_key.cache_clear()
    salt.cache_clear()
