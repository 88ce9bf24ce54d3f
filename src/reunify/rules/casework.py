"""Reunification casework as tables: a case's stages, how it may move, how it may close.

A case follows one separated child until they are back with a parent, released to a sponsor,
or the parent declines reunification. ``MOVES`` says which stage may follow which (a case may
step back, e.g. a parent located who cannot be reached again); ``CLOSINGS`` says from which
stages a case may close with which outcome, and ``SIGN_OFF`` which determinations take effect
only once a second person signs them off (the two-person rule, ``may_sign_off``). Contact
channels and outcomes, and the parent's choices, are vocabularies here too. See
docs/casework.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

OPEN = "open"
PARENT_LOCATED = "parent_located"
IN_CONTACT = "in_contact"
WISHES_RECORDED = "wishes_recorded"
VERIFIED = "verified"
REUNIFICATION_PLANNED = "reunification_planned"
CLOSED = "closed"
#: Stages in the order a case usually passes them.
STAGES = (OPEN, PARENT_LOCATED, IN_CONTACT, WISHES_RECORDED, VERIFIED, REUNIFICATION_PLANNED,
          CLOSED)
ACTIVE_STAGES = STAGES[:-1]

#: Stage → the stages a case may move to next by a caseworker's step (closing is separate).
MOVES: dict[str, frozenset[str]] = {
    OPEN: frozenset({PARENT_LOCATED, IN_CONTACT}),
    PARENT_LOCATED: frozenset({IN_CONTACT, OPEN}),
    IN_CONTACT: frozenset({WISHES_RECORDED, PARENT_LOCATED}),
    WISHES_RECORDED: frozenset({VERIFIED, IN_CONTACT}),
    VERIFIED: frozenset({REUNIFICATION_PLANNED, WISHES_RECORDED}),
    REUNIFICATION_PLANNED: frozenset({VERIFIED}),
    CLOSED: frozenset(),
}

REUNIFIED = "reunified"
RELEASED_TO_SPONSOR = "released_to_sponsor"
PARENT_DECLINED = "parent_declined"
#: Closed because its child's persons were merged: the surviving case carries on.
MERGED = "merged"
OUTCOMES = (REUNIFIED, RELEASED_TO_SPONSOR, PARENT_DECLINED, MERGED)

#: Outcomes that are custody events of the child, as reunify's own source ``casework``
#: reports them: outcome → (event type, custodian), read as the interchange spec reads events.
CLOSING_EVENTS: dict[str, tuple[str, str]] = {
    REUNIFIED: ("reunified", "parent"),
    RELEASED_TO_SPONSOR: ("released", "sponsor"),
}
#: Not a valid spec source name (it has a colon), so no agency's export can ever collide with it.
CASEWORK_SOURCE = "reunify:casework"

#: Outcome → stages from which a case may close with it.
CLOSINGS: dict[str, frozenset[str]] = {
    REUNIFIED: frozenset({REUNIFICATION_PLANNED}),
    RELEASED_TO_SPONSOR: frozenset(ACTIVE_STAGES),
    PARENT_DECLINED: frozenset({IN_CONTACT, WISHES_RECORDED, VERIFIED, REUNIFICATION_PLANNED}),
    MERGED: frozenset(ACTIVE_STAGES),
}

# Determinations that need a basis and a second person's sign-off before they take effect.
PARENT_UNFIT = "parent_unfit"
CLOSE_DECLINED = "close_parent_declined"
RELEASE_TO_OTHER = "release_to_other"
SIGN_OFF: dict[str, str] = {
    PARENT_UNFIT: "a determination that the parent is unfit or a danger to the child",
    CLOSE_DECLINED: "closing the case as parent declined",
    RELEASE_TO_OTHER: "releasing the child to anyone but a parent",
}
#: The outcome a signed-off determination closes its case with (none: the case stays open).
SIGN_OFF_CLOSES: dict[str, str] = {
    CLOSE_DECLINED: PARENT_DECLINED,
    RELEASE_TO_OTHER: RELEASED_TO_SPONSOR,
}
#: Outcomes that may only be reached through a signed-off determination.
SIGNED_OUTCOMES = frozenset(SIGN_OFF_CLOSES.values())
APPROVED, REFUSED, PENDING = "approved", "refused", "pending"

# The contact log.
ATTEMPT, CALL = "attempt", "call"  # reaching a parent; a call between parent and child
CONTACT_KINDS = (ATTEMPT, CALL)
CHANNELS = ("phone", "whatsapp", "consulate", "ngo_field_search", "in_person")
NO_ANSWER, WRONG_NUMBER, REACHED, DECLINED = "no_answer", "wrong_number", "reached", "declined"
CONTACT_OUTCOMES = (NO_ANSWER, WRONG_NUMBER, REACHED, DECLINED)
#: Outcomes of a log entry that count as contact between child and parent for the deadline.
COUNTS_AS_CONTACT = frozenset({CALL})

# The parent's wishes.
REUNIFY_HERE, RETURN_TOGETHER, CHILD_STAYS = "reunify_here", "return_together", "child_stays"
CHOICES = (REUNIFY_HERE, RETURN_TOGETHER, CHILD_STAYS)

# Flags of casework, beside the register's.
WISHES_NOT_IN_OWN_LANGUAGE = "wishes_not_in_own_language"
REMOVED_WITHOUT_WISHES = "removed_without_wishes"
CASE_FLAGS = (WISHES_NOT_IN_OWN_LANGUAGE, REMOVED_WITHOUT_WISHES)


class CaseworkError(ValueError):
    """A step the tables do not allow, or one missing what it needs (a reason, a basis)."""


def check_move(stage: str, to: str) -> None:
    """Raise :class:`CaseworkError` unless a case at ``stage`` may move to ``to``."""
    if to not in MOVES.get(stage, frozenset()):
        allowed = ", ".join(sorted(MOVES.get(stage, ()))) or "nothing (the case is closed)"
        raise CaseworkError(f"a case at {stage} cannot move to {to} (expected one of: "
                            f"{allowed})")


def check_close(stage: str, outcome: str, *, signed: bool = False) -> None:
    """Raise unless a case at ``stage`` may close as ``outcome``; outcomes that need a
    sign-off are refused unless ``signed`` (the signed-off determination closes them)."""
    if outcome not in CLOSINGS:
        raise CaseworkError(f"unknown outcome {outcome!r} (expected one of: "
                            f"{', '.join(OUTCOMES)})")
    if outcome in SIGNED_OUTCOMES and not signed:
        raise CaseworkError(f"closing as {outcome} needs a determination signed off by a "
                            "second person")
    if stage not in CLOSINGS[outcome]:
        raise CaseworkError(f"a case at {stage} cannot close as {outcome} (expected a stage "
                            f"of: {', '.join(s for s in STAGES if s in CLOSINGS[outcome])})")


def may_sign_off(requested_by: str, signer: str) -> bool:
    """The two-person rule: whoever asked for a determination can never sign it off."""
    return bool(signer.strip()) and signer.strip().casefold() != requested_by.strip().casefold()


def check_choice(choice: str) -> None:
    """Raise unless ``choice`` is one of the parent's choices (``CHOICES``)."""
    if choice not in CHOICES:
        raise CaseworkError(f"unknown choice {choice!r} (expected one of: {', '.join(CHOICES)})")


def check_contact(kind: str, channel: str, outcome: str) -> None:
    """Raise unless the log entry's kind, channel and outcome are of the vocabularies."""
    if kind not in CONTACT_KINDS:
        raise CaseworkError(f"unknown contact kind {kind!r} (expected one of: "
                            f"{', '.join(CONTACT_KINDS)})")
    if channel not in CHANNELS:
        raise CaseworkError(f"unknown channel {channel!r} (expected one of: "
                            f"{', '.join(CHANNELS)})")
    if outcome not in CONTACT_OUTCOMES:
        raise CaseworkError(f"unknown outcome {outcome!r} (expected one of: "
                            f"{', '.join(CONTACT_OUTCOMES)})")


def language_key(language: str) -> str:
    """A language as compared: lower case, without spaces, quotes or hyphens (K'iche' = kiche)."""
    return "".join(c for c in language.casefold() if c.isalnum())


def not_in_own_language(advised_in: str, languages: list[str] | tuple[str, ...]) -> bool:
    """Whether wishes were taken in a language the parent is not recorded to speak. Unknown
    languages of the parent raise no flag: nothing contradicts the advisal."""
    own = {language_key(x) for x in languages if language_key(x)}
    return bool(own) and language_key(advised_in) not in own


@dataclass(frozen=True)
class Needed:
    """A child the register shows separated, the parent sought (None: none known), and the
    day the register first shows the separation (the case's ``opened``)."""

    person: int
    parent: int | None
    since: dt.date | None = None
