"""Handing signed tree heads to a witness: a folder that only ever grows.

A witness keeps every head it was given (``heads.jsonl``) and the key it first saw
(``ledger.pub``). Later, ``reunify ledger verify --witness DIR`` proves with RFC 9162
consistency proofs that the ledger only grew since each of those heads; an insider who
rewrites the store, even re-signing it with the same key, cannot change what the witness holds.
The folder should live where the store's operators cannot rewrite it (another machine, another
organisation, write-once storage).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction, sign_checkpoint
from reunify.models import Checkpoint, LedgerEntry
from reunify.models.ledger_keys import public_key, public_key_pem
from reunify.rules import ledger as formats
from reunify.rules import merkle


class WitnessRefused(RuntimeError):
    """The witness holds something the ledger now contradicts; nothing was published."""


def _leaves(size: int) -> list[bytes]:
    rows = LedgerEntry.objects.filter(seq__lt=size).order_by("seq").values_list("leaf_hash",
                                                                                 flat=True)
    return [bytes.fromhex(h) for h in rows.iterator(chunk_size=50_000)]


def _check_extends(last_note: str, head: Checkpoint) -> None:
    key = public_key()
    try:
        seen = formats.open_checkpoint(last_note, key)
    except formats.CheckpointError as exc:
        raise WitnessRefused(f"the witness's last head does not verify: {exc}") from None
    if seen.size > head.tree_size:
        raise WitnessRefused(
            f"the witness saw {seen.size} entries, the ledger has {head.tree_size}: it shrank"
        )
    new_root = bytes.fromhex(head.root_hash)
    proof = merkle.consistency_proof(_leaves(head.tree_size), seen.size, head.tree_size)
    if not merkle.verify_consistency(seen.size, head.tree_size, seen.root, new_root, proof):
        raise WitnessRefused(
            f"the ledger is not an extension of the head the witness last saw (size {seen.size})"
        )


def publish_checkpoint(to: str | Path, *, actor: str) -> Checkpoint:
    """Sign the current head and append it to the witness folder ``to``; return the head.

    Refused (WitnessRefused) when the witness knows another key or when the ledger is not an
    extension of the last head the witness holds. The publication is itself an entry.
    """
    folder = formats.witness_folder(to)
    with in_transaction():
        head = sign_checkpoint(actor=actor)
        folder.mkdir(parents=True, exist_ok=True)
        pem = public_key_pem(public_key())
        key_path = folder / formats.PUBLIC_KEY_FILE
        if key_path.exists() and key_path.read_bytes() != pem:
            raise WitnessRefused(f"{key_path} holds another key: this witness follows another log")
        heads_path = folder / formats.WITNESS_HEADS_FILE
        if heads_path.exists():
            lines = [line for line in heads_path.read_text("utf-8").splitlines() if line.strip()]
            if lines:
                _check_extends(json.loads(lines[-1])["note"], head)
        record = {"tree_size": head.tree_size, "root_hash": head.root_hash, "note": head.note,
                  "published_at": timezone.now().isoformat().replace("+00:00", "Z")}
        with heads_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if not key_path.exists():
            key_path.write_bytes(pem)
        append_entry(actor=actor, type=formats.TYPE_PUBLISH, payload={
            "tree_size": head.tree_size, "root_hash": head.root_hash, "witness": str(folder),
        })
    return head
