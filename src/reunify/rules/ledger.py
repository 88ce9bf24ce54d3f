"""The ledger's formats: canonical entry bodies, salted hashes, and signed checkpoints.

An entry body is RFC 8785 (JCS) canonical JSON; its leaf hash is SHA-256(0x00 || body) (RFC
9162). A checkpoint is a C2SP ``tlog-checkpoint`` (origin, tree size, base64 root) wrapped in a
C2SP ``signed-note`` with an Ed25519 signature, so tools outside reunify (for example Go's
``golang.org/x/mod/sumdb/note``) can check it too. Pure functions: no IO, no Django.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

#: Files of a ledger export (``reunify ledger export --out DIR``) and of a witness folder.
ENTRIES_FILE = "entries.jsonl"  # line i: the canonical body of entry seq i
LEAF_HASHES_FILE = "leaf-hashes.txt"  # line i: the leaf hash the store recorded (a hint only)
CHECKPOINTS_FILE = "checkpoints.jsonl"  # one signed tree head per line, by tree size
PUBLIC_KEY_FILE = "ledger.pub"  # the Ed25519 public key, PEM
VERIFIER_KEY_FILE = "ledger.vkey"  # the same key as a signed-note verifier key
WITNESS_HEADS_FILE = "heads.jsonl"  # a witness's append-only file of the heads handed to it

#: Entry types the ledger writes about itself.
TYPE_EXPORT, TYPE_PUBLISH = "ledger.export", "ledger.publish"

_ED25519_ALG = b"\x01"
_SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space start every signature line
_MAX_SAFE_INT = 2**53 - 1  # RFC 8785 numbers are IEEE doubles


def canonical(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value``.

    Values made of strings, booleans, null, safe integers, lists and objects with ASCII keys
    are encoded by Python's C encoder (sorted keys, no whitespace, no ASCII escaping), which
    yields the same bytes as RFC 8785 about four times faster; anything else goes to ``rfc8785``.
    """
    if _plain(value):
        try:
            return _FAST_ENCODER.encode(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: let rfc8785 refuse it properly
            pass
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -_MAX_SAFE_INT <= value <= _MAX_SAFE_INT
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(_plain(v) for v in value)
    return False


def entry_body(
    *, seq: int, at: str, actor: str, type: str, subjects: Sequence[str],
    payload: Mapping[str, Any],
) -> bytes:
    """The canonical body of one entry: the bytes its leaf hash covers."""
    return canonical({
        "seq": seq, "at": at, "actor": actor, "type": type,
        "subjects": sorted(subjects), "payload": dict(payload),
    })


class _NotFast(Exception):
    pass


def _refuse_float(text: str) -> float:
    raise _NotFast(text)


# Built once: json.loads would build a decoder per call, a third of the time of verification.
_FAST_DECODER = json.JSONDecoder(parse_float=_refuse_float)
_FAST_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
#: A run of 16 digits may be an integer beyond 2^53, which RFC 8785 refuses; let it judge.
_LONG_NUMBER = re.compile(rb"\d{16}")


def parse_body(body: bytes) -> tuple[dict[str, Any], bool]:
    """The entry a body holds, and whether the body is RFC 8785 canonical.

    Raises ValueError when the body is not a JSON object. For ASCII bodies without fractions
    or long numbers Python's sorted, compact JSON coincides with RFC 8785 and is several times
    faster than re-encoding with ``rfc8785``; anything else is checked by ``rfc8785`` itself.
    """
    try:
        if body.isascii() and not _LONG_NUMBER.search(body):
            try:
                value = _FAST_DECODER.decode(body.decode("ascii"))
            except _NotFast:
                value = None
            if value is not None:
                if not isinstance(value, dict):
                    raise ValueError("an entry body is a JSON object")
                return value, _FAST_ENCODER.encode(value).encode("utf-8") == body
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("an entry body is a JSON object")
    try:
        return value, rfc8785.dumps(value) == body
    except rfc8785.CanonicalizationError:
        return value, False


def witness_folder(target: str | Path) -> Path:
    """The folder a witness target names: a path or a ``file://`` URL (other schemes refused).

    A remote witness is not pushed to over HTTP: it pulls published heads with its own means
    and keeps them where the store's operators cannot rewrite them (see docs/ledger.md).
    """
    text = str(target)
    parts = urlsplit(text)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{text}: a file:// URL must name a local folder")
        return Path(unquote(parts.path))
    if len(parts.scheme) > 1:  # one letter would be a Windows drive: a path after all
        raise ValueError(f"{text}: only folders and file:// URLs are witnesses")
    return Path(text)


def salted_hash(salt: bytes, text: str) -> str:
    """HMAC-SHA256 of ``text`` under the store's secret salt, hex: a person's data, unreadable."""
    return hmac.new(salt, text.encode("utf-8"), hashlib.sha256).hexdigest()


# --- signed checkpoints ---------------------------------------------------------------------


class CheckpointError(ValueError):
    """A checkpoint that is malformed or whose signature does not verify."""


@dataclass(frozen=True)
class TreeHead:
    """What a verified checkpoint asserts: the log, its size, and its root hash."""

    origin: str
    size: int
    root: bytes


def public_key_bytes(key: Ed25519PublicKey) -> bytes:
    """The raw 32-byte public key."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def log_origin(key: Ed25519PublicKey) -> str:
    """The log's name, derived from its key: one key, one ledger."""
    return "reunify.ledger/" + hashlib.sha256(public_key_bytes(key)).hexdigest()[:16]


def key_id(name: str, key: Ed25519PublicKey) -> bytes:
    """The signed-note key hash: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    raw = public_key_bytes(key)
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _ED25519_ALG + raw).digest()[:4]


def verifier_key(key: Ed25519PublicKey) -> str:
    """The signed-note verifier key: ``name+hex(key id)+base64(0x01 || key)``."""
    name = log_origin(key)
    raw = _ED25519_ALG + public_key_bytes(key)
    return f"{name}+{key_id(name, key).hex()}+{base64.b64encode(raw).decode()}"


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    """The signed body of a checkpoint (C2SP tlog-checkpoint)."""
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_checkpoint(key: Ed25519PrivateKey, size: int, root: bytes) -> str:
    """A signed note asserting that the ledger of ``key`` had ``size`` entries with ``root``."""
    public = key.public_key()
    origin = log_origin(public)
    text = checkpoint_text(origin, size, root)
    signature = key.sign(text.encode("utf-8"))
    blob = base64.b64encode(key_id(origin, public) + signature).decode()
    return f"{text}\n{_SIGNATURE_PREFIX}{origin} {blob}\n"


def open_checkpoint(note: str, key: Ed25519PublicKey) -> TreeHead:
    """Verify a signed checkpoint with ``key`` and return what it asserts.

    Raises CheckpointError when the note is malformed, names another log, or carries no valid
    signature by ``key``.
    """
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        raise CheckpointError("not a signed note: no blank line before the signatures")
    text += "\n"
    lines = text.split("\n")
    if len(lines) < 4:
        raise CheckpointError("a checkpoint has an origin, a size and a root hash")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise CheckpointError("the root hash is not base64") from None
    if len(root) != 32:
        raise CheckpointError("the root hash is not 32 bytes")
    expected = log_origin(key)
    if origin != expected:
        raise CheckpointError(f"the checkpoint is of log {origin!r}, not {expected!r}")
    wanted = key_id(origin, key)
    for line in signatures.split("\n"):
        if not line:
            continue
        if not line.startswith(_SIGNATURE_PREFIX):
            raise CheckpointError("a signature line must start with an em dash")
        name, _, blob = line[len(_SIGNATURE_PREFIX):].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise CheckpointError("a signature is not base64") from None
        if name != origin or raw[:4] != wanted:
            continue
        try:
            key.verify(raw[4:], text.encode("utf-8"))
        except InvalidSignature:
            raise CheckpointError("the signature does not verify with the ledger's key") from None
        return TreeHead(origin=origin, size=int(size_text), root=root)
    raise CheckpointError("no signature by the ledger's key")
