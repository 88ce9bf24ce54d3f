"""What is recorded while a case is worked: the contact log, the parent's wishes, and the
determinations that need a second person's sign-off (the two-person rule).

Every row here is appended and never changed, except a determination's decision, which is
given once. One action per function, one transaction, a ledger entry each (ids and vocabulary
only: a parent's words and a basis stay on the case).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reunify.actions.casework import _close, _dated, _locked, _need, _save, _step
from reunify.actions.ledger import in_transaction
from reunify.models import Case, ContactEntry, Determination, ParentWishes
from reunify.rules import casework as rules


def _open_case(case_pk: int) -> Case:
    case = _locked(case_pk, None)
    if case.closed is not None:
        raise rules.CaseworkError(f"{case.public_id} is closed")
    return case


def log_contact(case_pk: int, *, kind: str, on: dt.date, channel: str, outcome: str,
                actor: str, minutes: int | None = None, interpreter: str = "",
                language: str = "", note: str = "") -> ContactEntry:
    """Log an attempt to reach the parent (``attempt``) or a call between parent and child
    (``call``, with its length, language and interpreter). A call counts as contact for the
    court's first-contact deadline."""
    rules.check_contact(kind, channel, outcome)
    if kind == rules.CALL and (minutes is None or minutes <= 0):
        raise rules.CaseworkError("a call between parent and child needs its length in minutes")
    if kind == rules.CALL and not language.strip():
        raise rules.CaseworkError("a call between parent and child needs the language spoken")
    with in_transaction():
        case = _open_case(case_pk)
        entry = ContactEntry.objects.create(
            case=case, kind=kind, on=on, channel=channel, outcome=outcome, minutes=minutes,
            interpreter=interpreter.strip(), language=language.strip(), note=note.strip(),
            actor=actor, recorded_at=timezone.now())
        _step(case, "contact_logged", actor=actor, contact=entry.pk, contact_kind=kind,
              channel=channel,
              outcome=outcome, on=on.isoformat())
    return entry


def record_wishes(case_pk: int, *, choice: str, words: str, advised_in: str, witness: str,
                  on: dt.date, actor: str, interpreter: str = "") -> ParentWishes:
    """Record (a new version of) the parent's wishes in their own words; earlier versions stay."""
    rules.check_choice(choice)
    words = _need(words, "the parent's own words")
    advised_in = _need(advised_in, "the language the parent was advised in")
    witness = _need(witness, "who witnessed it")
    with in_transaction():
        case = _open_case(case_pk)
        last = case.wishes.order_by("-version").values_list("version", flat=True).first() or 0
        wishes = ParentWishes.objects.create(
            case=case, parent_id=case.parent_id, version=last + 1, choice=choice, words=words,
            advised_in=advised_in, interpreter=interpreter.strip(), witness=witness, on=on,
            actor=actor, recorded_at=timezone.now())
        _save(case, "stage")
        _step(case, "wishes_recorded", actor=actor, version=wishes.version, choice=choice)
    return wishes


def request_determination(case_pk: int, kind: str, *, basis: str, actor: str,
                          recipient: str = "") -> Determination:
    """Ask for a determination that needs a second person's sign-off; nothing takes effect yet."""
    if kind not in rules.SIGN_OFF:
        raise rules.CaseworkError(f"unknown determination {kind!r} (expected one of: "
                                  f"{', '.join(rules.SIGN_OFF)})")
    basis = _need(basis, "a basis")
    if kind == rules.RELEASE_TO_OTHER:
        recipient = _need(recipient, "to whom the child is released")
    with in_transaction():
        case = _open_case(case_pk)
        if case.determinations.filter(kind=kind, status=rules.PENDING).exists():
            raise rules.CaseworkError(f"{case.public_id} already has a {kind} waiting")
        outcome = rules.SIGN_OFF_CLOSES.get(kind)
        if outcome is not None:
            rules.check_close(case.stage, outcome, signed=True)
        made = Determination.objects.create(
            case=case, kind=kind, basis=basis, recipient=recipient.strip(), requested_by=actor,
            requested_at=timezone.now(), status=rules.PENDING)
        _step(case, "determination_requested", actor=actor, reason=basis,
              determination=made.pk, determination_kind=kind)
    return made


def sign_off(determination_pk: int, *, approve: bool, note: str, actor: str,
             on: dt.date) -> Determination:
    """A second person approves or refuses a determination; approval makes it take effect.

    The person who asked for it can never sign it off (``rules.casework.may_sign_off``).
    """
    note = _need(note, "a note on the sign-off")
    with in_transaction():
        made = Determination.objects.select_for_update().get(pk=determination_pk)
        if made.status != rules.PENDING:
            raise rules.CaseworkError(f"determination {made.pk} was already {made.status}")
        if not rules.may_sign_off(made.requested_by, actor):
            raise rules.CaseworkError("the person who asked for a determination cannot sign it "
                                      "off: a second person must")
        case = _open_case(made.case_id)
        made.status = rules.APPROVED if approve else rules.REFUSED
        made.decided_by, made.decided_at, made.decision_note = actor, timezone.now(), note
        made.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _step(case, "determination_signed", actor=actor, reason=note, determination=made.pk,
              determination_kind=made.kind, decision=made.status)
        if approve:
            outcome = rules.SIGN_OFF_CLOSES.get(made.kind)
            if outcome is not None:
                rules.check_close(case.stage, outcome, signed=True)
                _close(case, outcome, reason=made.basis, actor=actor, on=_dated(case, on))
            elif made.kind == rules.PARENT_UNFIT:
                case.parent_excluded = True
                _save(case, "parent_excluded")
    return made
