"""Writing an export: the file, and the ledger entry that says who exported what."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from reunify.actions.ledger import append_entry, in_transaction
from reunify.rules.spreadsheet import neutralise_cell

FORMATS = ("csv", "jsonl")


def export_rows(
    name: str,
    rows: Iterable[Mapping[str, object]],
    columns: tuple[str, ...],
    out: Path,
    *,
    fmt: str = "csv",
    actor: str,
    params: Mapping[str, str] | None = None,
    for_spreadsheet: bool = False,
) -> int:
    """Write ``rows`` to ``out`` with exactly ``columns`` first, then any extra columns.

    Exports are exact (other programs read them); a CSV a person downloads to open in a
    spreadsheet is written ``for_spreadsheet``: cells a spreadsheet would take for a formula are
    neutralised (``reunify.rules.spreadsheet``), and the ledger entry says so.

    The file is written beside its final name and renamed into place only when complete, and the
    ledger entry (export name, row count, sha256 of the file) commits with it; returns the rows.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    digest = hashlib.sha256()
    count = 0
    with in_transaction():
        with partial.open("w", encoding="utf-8", newline="") as handle:
            header: list[str] | None = None
            writer = None
            for row in rows:
                if header is None:
                    header = list(columns) + [k for k in row if k not in columns]
                    if fmt == "csv":
                        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
                        writer.writeheader()
                if fmt == "csv":
                    cell = _spreadsheet_cell if for_spreadsheet else _cell
                    writer.writerow({k: cell(row.get(k)) for k in header})
                else:
                    record = {k: row.get(k) for k in header}
                    handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                count += 1
            if header is None and fmt == "csv":
                csv.writer(handle, lineterminator="\n").writerow(columns)
        digest.update(partial.read_bytes())
        append_entry(
            actor=actor,
            type="export",
            subjects=[],
            payload={"export": name, "format": fmt, "rows": count,
                     **({"for_spreadsheet": True} if for_spreadsheet else {}),
                     "sha256": digest.hexdigest(), "params": dict(params or {})},
        )
        partial.replace(out)
    return count


def _spreadsheet_cell(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return neutralise_cell(value)  # numbers stay numbers, negative ones too
    return neutralise_cell(_cell(value))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)
