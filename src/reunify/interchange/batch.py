"""Which files make a batch: names, kinds, sizes and content hashes, before any row is read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from reunify.interchange.limits import MAX_FILE_BYTES, MAX_FILES_PER_BATCH
from reunify.interchange.problems import Problems
from reunify.rules.interchange import (
    FILE_NAME_PATTERN,
    KINDS,
    PROFILE_FILE_PATTERN,
    PROFILE_KIND,
)

_DATA_SUFFIXES = (".csv", ".jsonl")
_EXPECTED_NAME = (f"<source>.<kind>.csv or .jsonl, kind one of {', '.join(KINDS)}; or "
                  "<source>.source.json")


@dataclass(frozen=True)
class BatchFile:
    """A file of the batch whose name says its source, kind and format."""

    path: Path
    name: str
    source: str
    kind: str
    format: str
    size: int
    sha256: str


@dataclass
class BatchPlan:
    """What a batch will read, what it leaves out (and why), and what is wrong already."""

    files: list[BatchFile] = field(default_factory=list)
    #: Human-readable lines about files left out on purpose (truth files, other files).
    notices: list[str] = field(default_factory=list)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, hex, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def plan_batch(paths: list[Path], problems: Problems) -> BatchPlan:
    """Expand folders, check every file's name and size, and hash each file.

    A folder contributes every ``<source>.<kind>.<csv|jsonl>`` file and every source profile
    ``<source>.source.json`` in it (not its subfolders);
    ``truth.*`` files are skipped and noted, other files are noted as not part of a batch, and a
    ``.csv``/``.jsonl`` file whose name does not follow the pattern is a problem (it looks like
    data that would otherwise be silently left out).
    """
    plan = BatchPlan()
    candidates: list[tuple[Path, bool]] = []  # (path, named explicitly)
    for given in paths:
        if given.is_dir():
            for entry in sorted(given.iterdir()):
                if entry.is_dir():
                    plan.notices.append(f"skipped folder {entry}: subfolders are not read")
                elif entry.name.startswith("truth."):
                    plan.notices.append(f"skipped {entry}: truth files are never ingested")
                elif entry.suffix in _DATA_SUFFIXES or entry.name.endswith(".source.json"):
                    candidates.append((entry, False))
                else:
                    plan.notices.append(
                        f"skipped {entry}: not a batch file (expected {_EXPECTED_NAME})"
                    )
        elif given.is_file():
            if given.name.startswith("truth."):
                plan.notices.append(f"skipped {given}: truth files are never ingested")
            else:
                candidates.append((given, True))
        else:
            problems.add(str(given), 1, 1, "no such file or folder",
                         "a file or folder to ingest")

    seen_resolved: set[Path] = set()
    by_name: dict[str, Path] = {}
    by_sha: dict[str, str] = {}
    for path, _explicit in candidates:
        resolved = path.resolve()
        if resolved in seen_resolved:
            continue  # the same file named twice (e.g. itself and its folder)
        seen_resolved.add(resolved)
        name = path.name
        match = FILE_NAME_PATTERN.fullmatch(name)
        profile = PROFILE_FILE_PATTERN.fullmatch(name)
        if profile is not None:
            source, kind, fmt = profile["source"], PROFILE_KIND, "json"
        elif match is None or match["kind"] not in KINDS:
            problems.add(name, 1, 1, "file name does not say source, kind and format",
                         _EXPECTED_NAME)
            continue
        else:
            source, kind, fmt = match["source"], match["kind"], match["format"]
        if name in by_name:
            problems.add(name, 1, 1, f"two files of this name in one batch ({by_name[name]} "
                         f"and {path})", "each file name once per batch")
            continue
        by_name[name] = path
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.add(name, 1, 1, f"file is {size} bytes",
                         f"at most {MAX_FILE_BYTES} bytes; split it into several batches")
            continue
        if size == 0:
            problems.add(name, 1, 1, "file is empty",
                         {"csv": "a header row", "json": "one JSON object"}.get(
                             fmt, "one JSON object per line"))
            continue
        sha = file_sha256(path)
        if sha in by_sha:
            problems.add(name, 1, 1, f"same content as {by_sha[sha]}", "each file once per batch")
            continue
        by_sha[sha] = name
        plan.files.append(BatchFile(path=path, name=name, source=source, kind=kind,
                                    format=fmt, size=size, sha256=sha))
    if len(plan.files) > MAX_FILES_PER_BATCH:
        problems.add(plan.files[MAX_FILES_PER_BATCH].name, 1, 1,
                     f"batch has {len(plan.files)} files",
                     f"at most {MAX_FILES_PER_BATCH} files per batch")
    return plan
