"""First contact between a separated child and a parent, as sources and caseworkers record it.

The interchange spec has no contact event; reunify reads an optional ``first_contact`` column
on relations rows (a conformant extension: a new optional column, docs/ingest.md): the day of
the first contact (a call, a visit) between the record and the other person that the source
recorded. A shelter's ``child_of`` row naming the parent is where ORR would write it.

Calls between parent and child logged on a case (``ContactEntry`` of kind ``call``) count as
contact too, for the case's child and the parent sought (docs/casework.md).

Whether contact is known is decided person by person: for persons with a record in a source
that records contact (any of its relations carries the column), and for the child and parent
of a case whose contact log is kept (it has any entry). For anyone else nothing is known of
contact, and its absence is not a missed deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reunify.models import Case, Identity, RelationRecord, SourceFile
from reunify.models.keys import with_keys
from reunify.models.record import FIRST_CONTACT
from reunify.rules.casework import COUNTS_AS_CONTACT

#: Up to this many persons are looked up by id; more are matched over all identities (a long
#: IN list would exceed SQLite's limit on bound variables).
_FEW = 500


def _recording_sources() -> set[str]:
    """Sources any current relations row of which records a first contact: one probe of the
    index of such rows per source that sent relations (a handful), not a pass over them."""
    sent = SourceFile.objects.filter(kind="relations").values_list("source", flat=True)
    contact = RelationRecord.objects.filter(is_current=True, attributes__has_key=FIRST_CONTACT)
    return {source for source in set(sent) if contact.filter(source=source).exists()}


def first_contacts(person_ids: Iterable[int]) -> dict[int, dt.date | None] | None:
    """For the given persons whose contact is known (module docstring): person → the earliest
    first contact recorded or logged, or None when there was none. None for everyone when
    nothing in the store records contact at all."""
    wanted = set(person_ids)
    recording = _recording_sources()
    logged = _logged(wanted)
    if not recording and logged is None:
        return None
    out: dict[int, dt.date | None] = dict(logged or {})
    if not recording:
        return out
    identities = Identity.objects.filter(source__in=recording)
    few = len(wanted) <= _FEW
    if few:  # one family's page: ask for its members only
        identities = identities.filter(person_id__in=wanted)
    person_of = {}
    for source, record_id, person in identities.values_list(
            "source", "record_id", "person_id").iterator(chunk_size=20000):
        if person in wanted:
            person_of[(source, record_id)] = person
            out.setdefault(person, None)
    contact = RelationRecord.objects.filter(is_current=True, attributes__has_key=FIRST_CONTACT)
    # A few persons: the rows naming one of their records on either side, by index; a row
    # naming two of them is read twice and counted once (the earliest day wins either way).
    parts = [*with_keys(contact, person_of),
             *with_keys(contact, person_of, record_id="other_record_id")] if few else [contact]
    read: set[int] = set()
    for part in parts:
        for pk, source, record, other, attributes in part.values_list(
                "pk", "source", "record_id", "other_record_id", "attributes"):
            if pk in read:
                continue
            read.add(pk)
            try:
                day = dt.date.fromisoformat(str(attributes.get(FIRST_CONTACT) or ""))
            except ValueError:
                continue  # empty: not recorded (ingest refuses anything but a date)
            for record_id in (record, other):
                person = person_of.get((source, record_id))
                if person is not None and (out[person] is None or day < out[person]):
                    out[person] = day
    return out


def _logged(wanted: set[int]) -> dict[int, dt.date | None] | None:
    """Child and parent sought of every case whose contact log is kept → the earliest call
    logged on it (None when none yet); None when no case keeps a log at all."""
    rows = Case.objects.filter(contacts__isnull=False).values_list(
        "person_id", "parent_id", "contacts__kind", "contacts__on").distinct()
    if not rows.exists():
        return None
    out: dict[int, dt.date | None] = {}
    for child, parent, kind, day in rows.iterator(chunk_size=20000):
        for person in (child, parent):
            if person is None or person not in wanted:
                continue
            out.setdefault(person, None)
            if kind in COUNTS_AS_CONTACT and (out[person] is None or day < out[person]):
                out[person] = day
    return out
