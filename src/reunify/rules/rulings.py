"""What every binding ruling by a person needs, whatever it rules on (a review pair, a name
claim, a tracing candidate): one of its allowed decisions, a reason, and who made it."""

from __future__ import annotations

from collections.abc import Collection


def check_ruling(decision: str, allowed: Collection[str], *, reason: str, actor: str) -> None:
    """ValueError, saying what is missing, unless the ruling can be recorded."""
    if decision not in allowed:
        raise ValueError(f"decision must be one of {', '.join(allowed)}, not {decision!r}")
    if not reason or not reason.strip():
        raise ValueError("a decision needs a reason")
    if not actor or not actor.strip():
        raise ValueError("a decision needs an actor")
