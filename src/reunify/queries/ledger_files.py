"""Reading a ledger export and a witness folder: the small reader verification needs.

Nothing here interprets what it reads; ``rules.ledger_verify`` checks it all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from reunify.rules import ledger as formats


def exported_entries(folder: Path) -> Iterator[tuple[None, bytes, str | None]]:
    """The export's entries in file order: (None, body bytes, leaf hash the store recorded).

    The position in the file is the seq; the recorded hash only helps name the bad entry.
    """
    folder = Path(folder)
    hashes_path = folder / formats.LEAF_HASHES_FILE
    hints = hashes_path.open("r", encoding="ascii") if hashes_path.exists() else None
    try:
        with (folder / formats.ENTRIES_FILE).open("rb") as bodies:
            for line in bodies:
                hint = hints.readline().strip() if hints is not None else ""
                yield None, line.rstrip(b"\n"), hint or None
    finally:
        if hints is not None:
            hints.close()


def _notes(path: Path) -> list[str]:
    if not path.exists():
        return []
    notes = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            notes.append(json.loads(line)["note"])
        except (ValueError, KeyError, TypeError):
            notes.append(f"(line {number} of {path.name} is not a checkpoint record)")
    return notes


def exported_checkpoints(folder: Path) -> list[str]:
    """The signed notes of an export, in file order."""
    return _notes(Path(folder) / formats.CHECKPOINTS_FILE)


def witnessed_heads(folder: Path) -> list[str]:
    """The signed notes a witness folder holds, oldest first."""
    return _notes(Path(folder) / formats.WITNESS_HEADS_FILE)


def key_path(folder: Path) -> Path:
    """Where an export or a witness keeps the public key."""
    return Path(folder) / formats.PUBLIC_KEY_FILE
