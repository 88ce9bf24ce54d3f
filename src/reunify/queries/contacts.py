"""First contact between a separated child and a parent, as sources record it.

The interchange spec has no contact event; reunify reads an optional ``first_contact`` column
on relations rows (a conformant extension: a new optional column, docs/ingest.md): the day of
the first contact (a call, a visit) between the record and the other person that the source
recorded. A shelter's ``child_of`` row naming the parent is where ORR would write it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from reunify.models import Identity, RelationRecord

#: The relations column that carries the day of first contact.
FIRST_CONTACT = "first_contact"
#: Up to this many persons are looked up by id; more are matched over all identities (a long
#: IN list would exceed SQLite's limit on bound variables).
_FEW = 500


def first_contacts(person_ids: Iterable[int]) -> dict[int, dt.date | None] | None:
    """For the given persons who have a record in a source that records contact: person →
    earliest first contact recorded on a current relation of theirs, or None when none is.

    Whether contact is recorded is decided source by source: a source records contact when
    any of its current relations carries the column. A person with no record in such a
    source is left out (nothing is known of their contact); None for everyone when no source
    records contact at all.
    """
    rows = list(RelationRecord.objects.filter(
        is_current=True, attributes__has_key=FIRST_CONTACT,
    ).values_list("source", "record_id", "other_record_id", "attributes"))
    if not rows:
        return None
    recording = {source for source, *_ in rows}
    wanted = set(person_ids)
    identities = Identity.objects.filter(source__in=recording)
    if len(wanted) <= _FEW:  # one family's page: ask for its members only
        identities = identities.filter(person_id__in=wanted)
    person_of = {}
    for source, record_id, person in identities.values_list(
            "source", "record_id", "person_id").iterator(chunk_size=20000):
        if person in wanted:
            person_of[(source, record_id)] = person
    out: dict[int, dt.date | None] = dict.fromkeys(set(person_of.values()))
    for source, record, other, attributes in rows:
        try:
            day = dt.date.fromisoformat(str(attributes.get(FIRST_CONTACT) or ""))
        except ValueError:
            continue  # empty: not recorded (ingest refuses anything but a date)
        for record_id in (record, other):
            person = person_of.get((source, record_id))
            if person is not None and (out[person] is None or day < out[person]):
                out[person] = day
    return out
