"""Lawful erasure of a person's data from the records, leaving the ledger untouched.

The ledger holds record ids and salted hashes only, so after an erasure every entry, every
checkpoint and every proof still verifies: nothing in them has to change. An erasure is asked
for by one person (``request_erasure``) and carried out only when another approves it
(``approve_erasure``); both steps are in the ledger.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.register import forget_register
from reunify.models import (
    Case,
    CaseStep,
    ContactEntry,
    Determination,
    ErasureRequest,
    EventRecord,
    Identity,
    ParentWishes,
    PersonRecord,
    RelationRecord,
)
from reunify.models.keys import with_keys

#: What identifies or locates a person in a person-record; blanked by an erasure.
ERASED_PERSON_FIELDS = ("family_name", "given_name", "birth_date", "a_number", "a_number_key",
                        "phone", "address", "languages")
#: The same about another person, as a relation names them.
ERASED_RELATION_FIELDS = ("other_name", "other_birth_date", "other_a_number", "other_phone")


def _records_of(source: str, record_id: str) -> list[tuple[str, str]]:
    """The person's records: every record resolved to the same person, or just this one."""
    identity = Identity.objects.filter(source=source, record_id=record_id).first()
    if identity is None:
        return [(source, record_id)]
    return sorted(Identity.objects.filter(person_id=identity.person_id)
                  .values_list("source", "record_id"))


class ErasureRefused(ValueError):
    """The request cannot be approved (by this person, or any more)."""


def request_erasure(source: str, record_id: str, *, reason: str, actor: str) -> ErasureRequest:
    """Ask for the erasure of the person ``source:record_id`` belongs to; ledgered."""
    if not reason.strip():
        raise ErasureRefused("an erasure needs a reason (the legal ground)")
    with in_transaction():
        if not PersonRecord.objects.filter(source=source, record_id=record_id).exists():
            raise LookupError(f"no person-record {source}:{record_id}")
        made = ErasureRequest.objects.create(source=source, record_id=record_id,
                                             reason=reason, requested_by=actor,
                                             requested_at=timezone.now())
        append_entry(actor=actor, type="person.erasure_requested",
                     subjects=[f"{source}:{record_id}", f"erasure:{made.pk}"],
                     payload={"erasure": made.pk})
    return made


def approve_erasure(request_id: int, *, actor: str) -> dict[str, int]:
    """Carry out a pending erasure request; the approver must not be who asked for it."""
    with in_transaction():
        asked = ErasureRequest.objects.select_for_update().get(pk=request_id)
        if asked.status != ErasureRequest.PENDING:
            raise ErasureRefused(f"erasure request {request_id} is {asked.status}")
        if asked.requested_by.strip().lower() == actor.strip().lower():
            raise ErasureRefused("an erasure needs a second person: the one who asked for it "
                                 "cannot approve it")
        counts = erase_person_data(actor=actor, source=asked.source, record_id=asked.record_id,
                                   approval={"erasure": asked.pk,
                                             "requested_by": asked.requested_by})
        asked.status, asked.decided_by, asked.decided_at = (ErasureRequest.APPROVED, actor,
                                                            timezone.now())
        asked.save(update_fields=["status", "decided_by", "decided_at"])
    return counts


def erase_person_data(*, actor: str, source: str, record_id: str,
                      approval: dict | None = None) -> dict[str, int]:
    """Blank the names, birth dates, numbers and contacts of one person in every version of
    every record that is theirs; blank free-text reasons of their events and what relations
    say about them. Record ids, structure and the ledger stay. Returns counts.
    """
    records = _records_of(source, record_id)
    with in_transaction():
        persons = sum(rows.update(**{f: "" for f in ERASED_PERSON_FIELDS}, attributes={})
                      for rows in with_keys(PersonRecord.objects.all(), records))
        if not persons:
            raise LookupError(f"no person-record {source}:{record_id}")
        relations = sum(rows.update(**{f: "" for f in ERASED_RELATION_FIELDS})
                        for rows in with_keys(RelationRecord.objects.all(), records,
                                              record_id="other_record_id"))
        events = sum(rows.exclude(reason="").update(reason="")
                     for rows in with_keys(EventRecord.objects.all(), records))
        counts = {"person_records": persons, "relation_records": relations,
                  "event_reasons": events, **_erase_casework(records)}
        # The stored register holds names: forget it with the rest (it is recomputed).
        forget_register(actor=actor)
        append_entry(actor=actor, type="person.erased",
                     subjects=[f"{src}:{rid}" for src, rid in records],
                     payload={**counts, **(approval or {})})
    return counts


def _erase_casework(records: list[tuple[str, str]]) -> dict[str, int]:
    """Blank the free text casework holds on the cases of the person (as child or parent
    sought): the parent's words, notes of the contact log, reasons, a release's recipient.
    What happened (stages, outcomes, days, who acted) stays."""
    persons = set()
    for src, rid in records:
        persons.update(Identity.objects.filter(source=src, record_id=rid)
                       .values_list("person_id", flat=True))
    cases = Case.objects.filter(Q(person_id__in=persons) | Q(parent_id__in=persons))
    ids = list(cases.values_list("pk", flat=True))
    if not ids:
        return {}
    return {
        "case_wishes": ParentWishes.objects.filter(case_id__in=ids).update(words=""),
        "case_contacts": ContactEntry.objects.filter(case_id__in=ids).update(note=""),
        "case_steps": CaseStep.objects.filter(case_id__in=ids).update(reason=""),
        "case_determinations": Determination.objects.filter(case_id__in=ids).update(
            recipient="", basis="", decision_note=""),
        "cases": cases.update(outcome_reason=""),
    }
