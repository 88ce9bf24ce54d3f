"""Writing the ledger out for an auditor: entries, leaf hashes, checkpoints and the public key.

An export is everything ``reunify ledger verify DIR`` needs and nothing it has to trust: the
canonical bodies (one per line, line i is entry seq i), every signed checkpoint, and the key.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from reunify.actions.ledger import append_entry, in_transaction, sign_checkpoint
from reunify.models import Checkpoint, LedgerEntry
from reunify.models.ledger_keys import public_key, public_key_pem
from reunify.rules import ledger as formats


def _replace(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def export_ledger(out: Path, *, actor: str) -> dict[str, object]:
    """Write the ledger to the folder ``out``; return what was written.

    A checkpoint covering every entry is signed first, and the export reads one consistent
    snapshot (appends wait). The export itself is recorded as an entry after the ones written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with in_transaction():
        head = sign_checkpoint(actor=actor)
        digest = hashlib.sha256()
        entries_path, hashes_path = out / formats.ENTRIES_FILE, out / formats.LEAF_HASHES_FILE
        entries_partial = entries_path.with_name(entries_path.name + ".partial")
        hashes_partial = hashes_path.with_name(hashes_path.name + ".partial")
        count = 0
        rows = (LedgerEntry.objects.filter(seq__lt=head.tree_size).order_by("seq")
                .values_list("body", "leaf_hash"))
        with entries_partial.open("wb") as bodies, hashes_partial.open("w") as hashes:
            for body, stored in rows.iterator(chunk_size=10_000):
                line = body.encode("utf-8") + b"\n"
                bodies.write(line)
                digest.update(line)
                hashes.write(stored + "\n")
                count += 1
            bodies.flush()
            os.fsync(bodies.fileno())
        entries_partial.replace(entries_path)
        hashes_partial.replace(hashes_path)
        checkpoints = Checkpoint.objects.filter(tree_size__lte=head.tree_size).order_by("tree_size")
        lines = [
            json.dumps({"tree_size": c.tree_size, "root_hash": c.root_hash,
                        "signed_at": c.signed_at.isoformat().replace("+00:00", "Z"),
                        "note": c.note}, ensure_ascii=False) + "\n"
            for c in checkpoints
        ]
        _replace(out / formats.CHECKPOINTS_FILE, "".join(lines).encode("utf-8"))
        key = public_key()
        _replace(out / formats.PUBLIC_KEY_FILE, public_key_pem(key))
        _replace(out / formats.VERIFIER_KEY_FILE, (formats.verifier_key(key) + "\n").encode())
        summary = {"entries": count, "checkpoints": len(lines), "tree_size": head.tree_size,
                   "root_hash": head.root_hash, "entries_sha256": digest.hexdigest()}
        append_entry(actor=actor, type=formats.TYPE_EXPORT, payload=dict(summary))
    return summary
