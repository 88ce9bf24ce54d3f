"""Tracing requests: an inquiry's lifecycle as a table, and how matches are scored.

Pure: no database. ``reunify.actions.tracing`` applies the table; the evaluation of matches
against a simulated season's ``truth.inquiries.csv`` uses :func:`match_scores`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

#: Letters and digits a caller reads out without confusion over the phone (no 0/O, 1/I/L, U/V).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"

OPEN, FOUND, CLOSED = "open", "found", "closed"
CONFIRMED, REJECTED = "confirmed", "rejected"
INQUIRY_STATUSES = (OPEN, FOUND, CLOSED)

#: (status, decision, whether the decision is about the person already found) → next status.
#: Confirming a candidate finds the person; rejecting the person found reopens the inquiry;
#: rejecting another candidate changes nothing. A closed inquiry takes no decisions.
NEXT_STATUS: dict[tuple[str, str, bool], str] = {
    (OPEN, CONFIRMED, False): FOUND,
    (OPEN, REJECTED, False): OPEN,
    (FOUND, CONFIRMED, True): FOUND,
    (FOUND, CONFIRMED, False): FOUND,
    (FOUND, REJECTED, True): OPEN,
    (FOUND, REJECTED, False): FOUND,
}

#: A candidate at or above this probability is a confident answer (the spec's measure of
#: requests for someone never recorded).
CONFIDENT = 0.5


def next_status(status: str, decision: str, *, about_found: bool) -> str:
    """The inquiry's status after ``decision``; ValueError for a move the table does not allow."""
    try:
        return NEXT_STATUS[(status, decision, about_found)]
    except KeyError:
        raise ValueError(f"an inquiry {status} takes no decision {decision!r}") from None


def match_scores(ranked: Mapping[tuple[str, str], Sequence[tuple[object, float]]],
                 sought: Mapping[tuple[str, str], frozenset | None]) -> dict[str, float | int]:
    """Top-1, top-5 and the false-confident rate of ranked candidates against the truth.

    ``ranked``: inquiry → ``(person, probability)`` best first. ``sought``: inquiry → the
    persons that count as the right answer (a person holding the sought person's records), or
    None for a request about someone never recorded. Rates are over the inquiries of each kind.
    """
    recorded = [k for k, right in sought.items() if right is not None]
    never = [k for k, right in sought.items() if right is None]
    top1 = sum(1 for k in recorded if ranked.get(k) and ranked[k][0][0] in sought[k])
    top5 = sum(1 for k in recorded if any(p in sought[k] for p, _ in ranked.get(k, ())[:5]))
    confident = sum(1 for k in never if any(prob >= CONFIDENT for _, prob in ranked.get(k, ())))
    return {
        "inquiries_recorded": len(recorded),
        "inquiries_never_recorded": len(never),
        "top1": top1 / len(recorded) if recorded else 0.0,
        "top5": top5 / len(recorded) if recorded else 0.0,
        "no_candidate": sum(1 for k in recorded if not ranked.get(k)) / max(len(recorded), 1),
        "false_confident": confident / len(never) if never else 0.0,
    }


def normal_reference(text: str) -> str:
    """A reference as a caller may say or type it ("t 4k7m 9x2p") in its written form."""
    body = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if body.startswith("T"):
        body = body[1:]
    return f"T-{body[:4]}-{body[4:]}" if len(body) == 8 else ""
