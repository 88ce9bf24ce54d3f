"""Verifying a ledger with no trust in whoever stored it.

Input is what an outsider can hold: entry bodies in order (from a store or an export), the
signed checkpoints, and the public key. Every leaf hash is recomputed from its body; a stored
leaf hash is used only to point at the entry that no longer matches it. Pure: the caller reads
the files or rows and passes iterables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from reunify.rules.ledger import CheckpointError, TreeHead, open_checkpoint, parse_body
from reunify.rules.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    leaf_hash,
    verify_consistency,
)

_ENTRY_KEYS = frozenset({"seq", "at", "actor", "type", "subjects", "payload"})


@dataclass(frozen=True)
class Problem:
    """One thing that failed: the first entry it concerns (if any) and what is wrong."""

    message: str
    seq: int | None = None

    def __str__(self) -> str:
        where = f"entry {self.seq}: " if self.seq is not None else ""
        return where + self.message


@dataclass
class Verdict:
    """What verification found. ``ok`` only when nothing failed."""

    entries: int = 0
    checkpoints: int = 0
    latest: TreeHead | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The recomputed leaf hashes, kept when asked for (witness checks and proofs need them).
    leaves: list[bytes] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        """The lowest entry seq any problem names."""
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None


def open_checkpoints(
    notes: Iterable[str], key: Ed25519PublicKey
) -> tuple[list[TreeHead], list[Problem]]:
    """Check every checkpoint's signature; return the verified heads by size and the failures."""
    heads: dict[int, TreeHead] = {}
    problems: list[Problem] = []
    for number, note in enumerate(notes, start=1):
        try:
            head = open_checkpoint(note, key)
        except CheckpointError as exc:
            problems.append(Problem(f"checkpoint #{number}: {exc}"))
            continue
        seen = heads.get(head.size)
        if seen is not None and seen.root != head.root:
            problems.append(Problem(
                f"checkpoint #{number}: two signed heads of size {head.size} with different "
                "roots: the ledger forked", seq=None,
            ))
        heads[head.size] = head
    return [heads[s] for s in sorted(heads)], problems


def verify_ledger(
    entries: Iterable[tuple[int | None, bytes, str | None]],
    checkpoint_notes: Iterable[str],
    key: Ed25519PublicKey,
    *,
    keep_leaves: bool = False,
    max_problems: int = 50,
    max_unsigned: int | None = None,
) -> Verdict:
    """Check a whole ledger: bodies, seq continuity, every checkpoint's signature and root.

    ``entries`` yields (row seq or None, body bytes, recorded leaf hash hex or None) in order.
    Each checkpoint's root must equal the head recomputed over the first ``size`` bodies; as all
    heads are prefixes of one recomputed sequence, consecutive checkpoints are thereby proven
    consistent (the strongest form of RFC 9162 consistency: every leaf is checked).
    More than ``max_unsigned`` entries after the latest checkpoint is a problem (None: only a
    note; ``reunify ledger verify`` passes 0 unless told otherwise, see docs/ledger.md).
    """
    verdict = Verdict(leaves=[] if keep_leaves else None)
    notes = list(checkpoint_notes)
    heads, problems = open_checkpoints(notes, key)
    verdict.problems.extend(problems)
    verdict.checkpoints = len(notes)
    frontier = Frontier()
    pending = iter(heads)
    head = next(pending, None)
    last_good = 0  # size of the last checkpoint whose root matched
    leaves = verdict.leaves
    entry_problems = 0
    while head is not None and head.size == 0:
        if head.root != EMPTY_ROOT:
            verdict.problems.append(Problem("the checkpoint of size 0 has a non-empty root"))
        head = next(pending, None)

    first_exact: int | None = None  # the first entry found bad by itself, not by a root

    def report(problem: Problem, *, exact: bool = False) -> None:
        nonlocal entry_problems, first_exact
        if exact and first_exact is None:
            first_exact = problem.seq
        entry_problems += 1
        if entry_problems <= max_problems:
            verdict.problems.append(problem)

    mismatched_heads = 0  # checkpoints failing after the first: consequences, counted only
    for position, (row_seq, body, recorded) in enumerate(entries):
        already = entry_problems
        if row_seq is not None and row_seq != position:
            if row_seq > position:
                report(Problem(f"missing (the next entry stored is {row_seq})", seq=position),
                       exact=True)
            else:
                report(Problem(f"stored again at position {position}", seq=row_seq), exact=True)
        try:
            value, is_canonical = parse_body(body)
        except ValueError as exc:
            report(Problem(f"the body is not a JSON object ({exc})", seq=position),
                   exact=True)
        else:
            seq = value.get("seq")
            if seq != position:
                report(Problem(
                    f"the body says seq {seq!r} where entry {position} belongs: "
                    "entries were removed, inserted or reordered", seq=position,
                ), exact=True)
            elif not is_canonical:
                report(Problem("the body is not RFC 8785 canonical JSON", seq=position),
                       exact=True)
            elif value.keys() != _ENTRY_KEYS:
                report(Problem("the body does not have exactly the entry fields", seq=position),
                       exact=True)
        h = leaf_hash(body)
        if recorded is not None and recorded != h.hex() and entry_problems == already:
            report(Problem("the body does not hash to the leaf hash recorded for it",
                           seq=position), exact=True)
        frontier.append(h)
        if leaves is not None:
            leaves.append(h)
        while head is not None and head.size == frontier.size:
            if frontier.root() == head.root:
                last_good = head.size
            elif mismatched_heads:
                mismatched_heads += 1
            elif first_exact is not None and first_exact >= last_good:
                mismatched_heads = 1
                report(Problem(f"not in the tree the checkpoint of size {head.size} signed",
                               seq=first_exact))
            else:
                mismatched_heads = 1
                report(Problem(
                    f"the checkpoint of size {head.size} does not match the entries: the first "
                    f"bad entry is among seq {last_good}..{head.size - 1}", seq=last_good,
                ))
            head = next(pending, None)
    verdict.entries = frontier.size
    if mismatched_heads > 1:
        verdict.problems.append(Problem(
            f"{mismatched_heads - 1} later checkpoints do not match the entries either"
        ))
    if head is not None:
        report(Problem(
            f"a signed checkpoint covers {head.size} entries but only {frontier.size} exist: "
            "the tail was removed", seq=frontier.size,
        ))
    if entry_problems > max_problems:
        verdict.problems.append(Problem(f"… and {entry_problems - max_problems} more problems"))
    if heads:
        verdict.latest = heads[-1] if heads[-1].size <= frontier.size else None
        covered = heads[-1].size
        if frontier.size > covered:
            unsigned = frontier.size - covered
            if max_unsigned is not None and unsigned > max_unsigned:
                verdict.problems.append(Problem(
                    f"{unsigned} entries after the latest checkpoint are not signed (at most "
                    f"{max_unsigned} tolerated): run `reunify ledger checkpoint`", seq=covered,
                ))
            else:
                verdict.notes.append(
                    f"{unsigned} entries after the latest checkpoint are not yet "
                    "covered by a signed head"
                )
    elif frontier.size:
        verdict.problems.append(Problem(
            f"{frontier.size} entries but no signed checkpoint: nothing vouches for them "
            "(run `reunify ledger checkpoint`)", seq=None,
        ))
    return verdict


def verify_witnessed(
    witnessed_notes: Iterable[str],
    key: Ed25519PublicKey,
    leaves: Sequence[bytes],
    latest: TreeHead,
) -> list[Problem]:
    """Prove the ledger only grew since each head a witness holds (RFC 9162 consistency).

    ``leaves`` are the recomputed leaf hashes and ``latest`` the latest verified checkpoint. A
    witnessed head not a prefix of the ledger now means history was rewritten after the witness
    saw it — even if every checkpoint in the store was re-signed with the same key.

    The newest witnessed head is checked with an RFC 9162 consistency proof to ``latest`` (what
    a witness holding only two roots would check). Every older head is checked in the same
    single pass over the leaves by recomputing the root of its prefix, which is what its
    consistency proof would establish, without building one proof (O(n) each) per head.
    """
    problems: list[Problem] = []
    seen: list[tuple[int, TreeHead]] = []
    for number, note in enumerate(witnessed_notes, start=1):
        try:
            head = open_checkpoint(note, key)
        except CheckpointError as exc:
            problems.append(Problem(f"witnessed head #{number}: {exc}"))
            continue
        if head.size > latest.size:
            problems.append(Problem(
                f"witnessed head #{number} has {head.size} entries, the ledger's latest signed "
                f"head only {latest.size}: the ledger shrank", seq=latest.size,
            ))
        else:
            seen.append((number, head))
    if not seen:
        return problems

    def rewritten(number: int, head: TreeHead) -> Problem:
        return Problem(
            f"witnessed head #{number} (size {head.size}) is not a prefix of the ledger now "
            f"(size {latest.size}): history before entry {head.size} was rewritten",
        )

    newest_number, newest = max(seen, key=lambda item: (item[1].size, item[0]))
    proof = consistency_proof(leaves, newest.size, latest.size)
    if not verify_consistency(newest.size, latest.size, newest.root, latest.root, proof):
        problems.append(rewritten(newest_number, newest))
    by_size = sorted((head.size, number, head) for number, head in seen)
    frontier = Frontier()
    index = 0
    for size, number, head in by_size:
        while frontier.size < size:
            frontier.append(leaves[index])
            index += 1
        if frontier.root() != head.root and number != newest_number:
            problems.append(rewritten(number, head))
    return problems
