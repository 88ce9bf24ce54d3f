"""Encrypting a backup with a passphrase: scrypt, then AES-256-GCM in 1 MiB chunks.

File: ``MAGIC`` (8 bytes), scrypt salt (16), nonce prefix (8), then chunks: each is a 4-byte
big-endian length and the ciphertext with its tag. A chunk's nonce is the prefix and its index;
its associated data is the header, its index and whether it is the last, so chunks cannot be
reordered, dropped or the file truncated without the decryption failing.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"REUNBK01"
CHUNK = 1 << 20


class BackupUnreadable(ValueError):
    """A wrong passphrase, or a damaged or truncated backup."""


def _key(passphrase: str, salt: bytes) -> AESGCM:
    kdf = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1)
    return AESGCM(kdf.derive(passphrase.encode("utf-8")))


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">I?", index, last)


def encrypt_file(source: Path, out: Path, passphrase: str) -> None:
    """Encrypt ``source`` into ``out`` (created with mode 0600; must not exist)."""
    salt, prefix = os.urandom(16), os.urandom(8)
    header = MAGIC + salt + prefix
    cipher = _key(passphrase, salt)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as sink, source.open("rb") as plain:
        sink.write(header)
        index, chunk = 0, plain.read(CHUNK)
        while True:
            following = plain.read(CHUNK)
            last = not following
            sealed = cipher.encrypt(prefix + struct.pack(">I", index), chunk,
                                    _aad(header, index, last))
            sink.write(struct.pack(">I", len(sealed)) + sealed)
            if last:
                break
            index, chunk = index + 1, following
        sink.flush()
        os.fsync(sink.fileno())


def _chunks(handle) -> Iterator[bytes]:
    while True:
        size = handle.read(4)
        if not size:
            return
        if len(size) != 4:
            raise BackupUnreadable("the backup is truncated")
        data = handle.read(struct.unpack(">I", size)[0])
        yield data


def decrypt_file(source: Path, out: Path, passphrase: str) -> None:
    """Decrypt ``source`` into ``out`` (mode 0600); BackupUnreadable if anything is wrong."""
    with source.open("rb") as handle:
        header = handle.read(len(MAGIC) + 24)
        if len(header) != len(MAGIC) + 24 or not header.startswith(MAGIC):
            raise BackupUnreadable(f"{source} is not a reunify backup")
        salt, prefix = header[8:24], header[24:32]
        cipher = _key(passphrase, salt)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as sink:
            chunks = _chunks(handle)
            current = next(chunks, None)
            index = 0
            while current is not None:
                following = next(chunks, None)
                try:
                    sink.write(cipher.decrypt(prefix + struct.pack(">I", index), current,
                                              _aad(header, index, following is None)))
                except InvalidTag as exc:
                    raise BackupUnreadable(
                        "the backup cannot be decrypted: wrong passphrase, or the file is "
                        "damaged or truncated") from exc
                index, current = index + 1, following
            if index == 0:
                raise BackupUnreadable("the backup is truncated")
