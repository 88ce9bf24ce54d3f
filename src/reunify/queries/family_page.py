"""One family as its page shows it: members and where each is, separations, flags, evidence.

Statuses, custody and flags are the members' standings (``reunify.queries.standing``), the
very computation the register makes, so a family page and the register agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from reunify.models import (
    EventRecord,
    Family,
    FamilyLink,
    FamilyMember,
    Identity,
    LinkDecision,
)
from reunify.models.keys import with_keys
from reunify.queries.families import FamilyView, family_views, person_public_id
from reunify.queries.person import best_name, records_of
from reunify.queries.standing import Inputs, Standing, family_standing
from reunify.queries.timeline import end_of_day
from reunify.rules.family import best_birth_date
from reunify.rules.status import SEPARATED

#: Event types that are decisions about a person's custody, shown as "decisions".
DECISION_TYPES = ("separated", "referred", "declined", "charged", "transferred", "placed",
                  "released", "removed", "discharged", "reunified")


@dataclass
class MemberView:
    """A member of the family and their standing on the day asked about."""

    pk: int
    public_id: str
    role: str
    name: str
    birth_date: str
    status: str
    custodian: str
    facility: str
    since: dt.date | None
    separated_since: dt.date | None
    days_separated: int | None
    flags: list[str] = field(default_factory=list)
    #: The member's records, ``source:record_id``.
    records: list[str] = field(default_factory=list)


@dataclass
class LinkView:
    """One piece of evidence that two members are related."""

    from_id: str
    relation: str
    to_id: str
    evidence: str
    strength: float
    sources: list[dict]
    conflict: str


@dataclass
class DecisionView:
    """A decision a source reported about a member (who decided, under what authority, why)."""

    person_id: str
    at: dt.datetime
    type: str
    custodian: str
    facility: str
    actor: str
    authority: str
    reason: str
    source: str
    event_id: str


@dataclass
class ReviewDecisionView:
    """A person's ruling that two records are (or are not) one person, touching a member."""

    left: str
    right: str
    decision: str
    actor: str
    reason: str
    decided_at: dt.datetime


@dataclass
class FamilyPage:
    """A family, as of a day."""

    pk: int
    public_id: str
    flags: list[str]
    members: list[MemberView]
    links: list[LinkView]
    decisions: list[DecisionView]
    as_of: dt.date
    reviews: list[ReviewDecisionView] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``separated`` while any member is; otherwise the most common member status."""
        statuses = [m.status for m in self.members]
        if SEPARATED in statuses:
            return SEPARATED
        return max(set(statuses), key=statuses.count) if statuses else "unknown"


def family_page(family_pk: int, *, as_of: dt.date, names: bool = True) -> FamilyPage:
    """The page of one family; ``names=False`` leaves names and birth dates out.

    Statuses, days and flags are those the register gives the same members on the same day.
    """
    family = Family.objects.get(pk=family_pk)
    roles = dict(
        FamilyMember.objects.filter(family_id=family_pk).order_by("person_id")
        .values_list("person_id", "role")
    )
    people = list(roles)
    family_flags = list(family.flags or [])
    stored_links = list(FamilyLink.objects.filter(family_id=family_pk).order_by("pk").values_list(
        "from_person_id", "relation", "to_person_id", "evidence", "strength", "sources",
        "conflict"))
    in_conflict: set[int] = set()
    for a, _rel, b, _ev, _strength, _src, conflict in stored_links:
        if conflict:
            in_conflict.update((a, b))
    view = FamilyView(family_pk, family_flags, roles, in_conflict, family.number)
    members = family_members(view, as_of=as_of, names=names)
    links = [
        LinkView(person_public_id(a), rel, person_public_id(b), ev, strength, list(src or []),
                 conflict)
        for a, rel, b, ev, strength, src, conflict in stored_links
    ]
    return FamilyPage(
        pk=family_pk, public_id=view.public_id, flags=family_flags,
        members=members, links=links, decisions=_decisions(people, as_of), as_of=as_of,
        reviews=_reviews([key for m in members for key in m.records]),
    )


def family_members(view: FamilyView, *, as_of: dt.date, names: bool = True
                   ) -> list[MemberView]:
    """A family's members as its page lists them (parents first), each with their standing
    on the day; ``names=False`` leaves names and birth dates out."""
    people = list(view.members)
    records = records_of(people)
    standings = family_standing(view, as_of, Inputs.fetch(set(people), as_of))
    members: list[MemberView] = []
    for pk in people:
        s = standings[pk]
        birth = best_birth_date([r.birth_date for r in records[pk] if r.birth_date])
        members.append(MemberView(
            pk=pk, public_id=person_public_id(pk), role=view.members[pk],
            name=best_name(records[pk]) if names else "",
            birth_date=birth if names else "",
            status=s.status, custodian=s.custodian, facility=s.facility,
            since=s.since, separated_since=s.separated_since, days_separated=s.days_separated,
            flags=s.flags, records=[f"{r.source}:{r.record_id}" for r in records[pk]],
        ))
    members.sort(key=lambda m: ({"parent": 0, "guardian": 1, "relative": 2}.get(m.role, 3),
                                m.pk))
    return members


def member_standings(family_pks: Collection[int], *, as_of: dt.date) -> dict[int, Standing]:
    """Each member's standing in these families as of a day (person → standing; a person in
    two of them: in the lower-numbered), as their family pages give it — every family's events
    and facts fetched together, not family by family."""
    views = family_views(Family.objects.filter(pk__in=list(family_pks)))  # by number
    inputs = Inputs.fetch({p for view in views for p in view.members}, as_of)
    out: dict[int, Standing] = {}
    for view in views:
        for person, standing in family_standing(view, as_of, inputs).items():
            out.setdefault(person, standing)
    return out


def _reviews(keys: list[str]) -> list[ReviewDecisionView]:
    """Decisions people made on pairs that include one of these records, oldest first."""
    if not keys:
        return []
    pairs = [tuple(key.split(":", 1)) for key in keys]
    found = {d.pk: d for side in ("left", "right") for rows in with_keys(
        LinkDecision.objects.all(), pairs, source=f"{side}_source",
        record_id=f"{side}_record_id") for d in rows}
    return [
        ReviewDecisionView(f"{d.left_source}:{d.left_record_id}",
                           f"{d.right_source}:{d.right_record_id}", d.decision, d.actor,
                           d.reason, d.decided_at)
        for d in sorted(found.values(), key=lambda d: (d.decided_at, d.pk))
    ]


def _decisions(people: list[int], as_of: dt.date) -> list[DecisionView]:
    person_of = {
        (s, r): p for s, r, p in Identity.objects.filter(person_id__in=people)
        .values_list("source", "record_id", "person_id")
    }
    if not person_of:
        return []
    sources = {s for s, _ in person_of}
    record_ids = {r for _, r in person_of}
    rows = (
        EventRecord.objects.filter(is_current=True, type__in=DECISION_TYPES,
                                   source__in=sources, record_id__in=record_ids,
                                   at__lt=end_of_day(as_of))
        .order_by("at", "source", "event_id")
    )
    out = []
    for e in rows:
        person = person_of.get((e.source, e.record_id))
        if person is None:
            continue
        out.append(DecisionView(person_public_id(person), e.at, e.type, e.custodian, e.facility,
                                e.actor, e.authority, e.reason, e.source, e.event_id))
    return out
