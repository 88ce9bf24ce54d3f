"""Cases as the register sees them on a day: which children need one, the ``cases`` export,
a caseworker's queue sorted by what is due first, and a case's page.

Court deadlines come from ``reunify.rules.deadlines`` (the Ms. L. policy): first contact with a
parent, and reunification, each counted from the child's separation. Contact is the earliest
of what sources recorded and the calls logged on the child's cases (``queries.contacts``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from reunify.models import (
    Case,
    CaseNotice,
    CaseStep,
    ContactEntry,
    Determination,
    Identity,
    ParentWishes,
    PersonRecord,
)
from reunify.queries.contacts import first_contacts
from reunify.queries.families import person_public_id
from reunify.queries.register import Entry, register_entries
from reunify.rules import casework as rules
from reunify.rules.deadlines import DEFAULT_POLICY, POLICIES, DeadlinePolicy
from reunify.rules.family import age_years
from reunify.rules.status import REMOVED, SEPARATED

CARER_ROLES = ("parent", "guardian")
#: Up to this many cases are shown from their families' pages (a queue, a case); more are
#: shown from the whole register at once (the export, a supervisor's list).
FEW_CASES = 60
#: Cases whose steps one query reads (well under every database's limit of parameters).
STEP_CHUNK = 500


@dataclass
class StandingState:
    """The part of a member's register state casework shows."""

    status: str
    custodian: str
    facility: str
    separated_since: dt.date | None
    separation_ended: dt.date | None
    in_custody: bool = False


@dataclass
class StandingFamily:
    """A member's family: its public id and its members' roles."""

    public_id: str
    members: dict[int, str]


@dataclass
class Standing:
    """A family member as the register stands them on a day: from the register's entries, or
    (for a few persons) from their families' pages, which agree with the register."""

    person: int
    role: str
    name: str
    birth_date: str
    state: StandingState
    flags: list[str]
    days_separated: int | None
    family: StandingFamily

    @classmethod
    def of_entry(cls, entry: Entry) -> Standing:
        """The standing the register's entry gives."""
        s = entry.state
        return cls(entry.person, entry.role, entry.name, entry.birth_date, StandingState(
            s.status, s.custodian, s.facility, s.separated_since, s.separation_ended,
            s.in_custody), list(entry.flags), entry.days_separated,
            StandingFamily(entry.family.public_id, dict(entry.family.members)))


def standings(persons: Iterable[int], as_of: dt.date) -> dict[int, Standing]:
    """Every member of the current families of ``persons``, from the families' pages."""
    from reunify.models import FamilyMember
    from reunify.queries.families import current_run
    from reunify.queries.family_page import family_page

    run = current_run()
    if run is None:
        return {}
    families = sorted(set(FamilyMember.objects.filter(
        person_id__in=set(persons), family__run=run).values_list("family_id", flat=True)))
    out: dict[int, Standing] = {}
    for pk in families:
        page = family_page(pk, as_of=as_of)
        roles = {m.pk: m.role for m in page.members}
        for m in page.members:
            ended = None
            if m.status != SEPARATED and m.status != "unknown" and m.separated_since and \
                    m.days_separated is not None:
                ended = m.separated_since + dt.timedelta(days=m.days_separated)
            out.setdefault(m.pk, Standing(
                m.pk, m.role, m.name, m.birth_date,
                StandingState(m.status, m.custodian, m.facility, m.separated_since, ended),
                list(m.flags), m.days_separated, StandingFamily(page.public_id, roles)))
    return out


def parent_sought(entry: Entry | Standing, by_person: dict) -> int | None:
    """The parent a separated child's case seeks: a parent before a guardian, one who was
    separated too before one who was not, then the lowest id."""
    carers = [(0 if role == "parent" else 1,
               0 if by_person.get(p) and by_person[p].state.separated_since else 1, p)
              for p, role in entry.family.members.items() if role in CARER_ROLES]
    return min(carers)[2] if carers else None


def separated_children(entries: Iterable[Entry]) -> list[Entry]:
    """Register entries of children the register shows ``separated``."""
    return [e for e in entries if e.role == "child" and e.state.status == SEPARATED]


def needed_cases(as_of: dt.date) -> list[rules.Needed]:
    """Every child the register shows separated on ``as_of``, with the parent sought."""
    entries = list(register_entries(as_of))
    by_person = {e.person: e for e in entries}
    return [rules.Needed(e.person, parent_sought(e, by_person), e.state.separated_since)
            for e in separated_children(entries)]


@dataclass
class Deadline:
    """One court deadline of a case: its name, its day, and whether it is met."""

    name: str
    day: dt.date
    met: bool
    #: Days from the as-of day to the deadline (negative: overdue).
    days_left_as_of: int = 0

    def days_left(self, as_of: dt.date) -> int:
        """Days from ``as_of`` to the deadline (negative: overdue)."""
        return (self.day - as_of).days


def deadlines(entry: Entry | Standing | None, contact: dt.date | None,
              policy: DeadlinePolicy, as_of: dt.date) -> list[Deadline]:
    """The contact and reunification deadlines of a child's separation (none: not separated)."""
    if entry is None or entry.state.separated_since is None:
        return []
    since = entry.state.separated_since
    ended = entry.state.separation_ended
    contact_day = policy.contact_deadline(since)
    reunify_day = policy.reunification_deadline(since, age_years(entry.birth_date, since))
    return [
        Deadline("first contact", contact_day,
                 (contact is not None and contact <= contact_day) or
                 (ended is not None and ended <= contact_day), (contact_day - as_of).days),
        Deadline("reunification", reunify_day, ended is not None and ended <= reunify_day,
                 (reunify_day - as_of).days),
    ]


def next_deadline(items: list[Deadline]) -> Deadline | None:
    """The earliest deadline not met (past or coming), or None."""
    pending = [d for d in items if not d.met]
    return min(pending, key=lambda d: d.day) if pending else None


def _languages(persons: Iterable[int]) -> dict[int, list[str]]:
    wanted = set(persons)
    keys = {(s, r): p for s, r, p in Identity.objects.filter(person_id__in=wanted)
            .values_list("source", "record_id", "person_id")}
    found: dict[int, list[str]] = {p: [] for p in wanted}
    rows = PersonRecord.objects.filter(is_current=True, record_id__in={r for _s, r in keys})
    for source, record_id, languages in rows.values_list("source", "record_id", "languages"):
        person = keys.get((source, record_id))
        if person is not None and languages:
            found[person].extend(x.strip() for x in languages.split(";") if x.strip())
    return found


def case_flags(case: Case, parent: Entry | Standing | None, wishes: ParentWishes | None,
               languages: list[str]) -> list[str]:
    """``wishes_not_in_own_language`` and ``removed_without_wishes`` for one case."""
    flags = []
    if wishes is not None and rules.not_in_own_language(wishes.advised_in, languages):
        flags.append(rules.WISHES_NOT_IN_OWN_LANGUAGE)
    if parent is not None and parent.state.status == REMOVED and wishes is None:
        flags.append(rules.REMOVED_WITHOUT_WISHES)
    return flags


def latest_wishes(case_pks: Iterable[int]) -> dict[int, ParentWishes]:
    """Case → its latest version of the parent's wishes."""
    out: dict[int, ParentWishes] = {}
    for w in ParentWishes.objects.filter(case_id__in=list(case_pks)).order_by("version"):
        out[w.case_id] = w
    return out


@dataclass
class CaseLine:
    """One case as a line of a queue or of the ``cases`` export."""

    case: Case
    child: Standing | None
    parent: Standing | None
    deadlines: list[Deadline]
    flags: list[str]
    family_id: str = ""
    closed: dt.date | None = None
    stage: str = ""
    outcome: str = ""
    as_of: dt.date | None = None

    @property
    def child_id(self) -> str:
        """The child's public person id."""
        return person_public_id(self.case.person_id)

    @property
    def parent_id(self) -> str:
        """The parent sought's public person id ("" when none is known)."""
        return person_public_id(self.case.parent_id) if self.case.parent_id else ""

    @property
    def next_deadline(self) -> Deadline | None:
        """The earliest court deadline not met, while the case is open."""
        return None if self.closed else next_deadline(self.deadlines)

    def sort_key(self, as_of: dt.date) -> tuple:
        """Open before closed, then what is due first."""
        due = self.next_deadline
        return (self.closed is not None, due.day if due else dt.date.max, self.case.pk)

    def age(self) -> str:
        """The child's age in whole years on the as-of day ("" when unknown)."""
        if self.child is None or not self.child.birth_date:
            return ""
        years = age_years(self.child.birth_date, self.as_of or dt.date.today())
        return "" if years is None else f"{int(years)}"


def case_lines(as_of: dt.date, cases: Iterable[Case] | None = None, *,
               policy: str = DEFAULT_POLICY) -> list[CaseLine]:
    """Cases opened on or before ``as_of`` (or the given ones) with the register's view of
    their child and parent; a case closed after ``as_of`` shows as not yet closed."""
    chosen = list(cases) if cases is not None else list(
        Case.objects.filter(opened__lte=as_of).select_related("assigned_to").order_by("pk"))
    if not chosen:
        return []
    people = {c.person_id for c in chosen} | {c.parent_id for c in chosen if c.parent_id}
    if len(chosen) <= FEW_CASES and policy == DEFAULT_POLICY:
        entries = standings(people, as_of)
    else:
        entries = {e.person: Standing.of_entry(e)
                   for e in register_entries(as_of, policy=policy)}
    stages = _stages_on(chosen, as_of)
    contacts = first_contacts(people) or {}
    wishes = latest_wishes(c.pk for c in chosen)
    languages = _languages(c.parent_id for c in chosen if c.parent_id)
    lines = []
    for case in chosen:
        child = entries.get(case.person_id)
        parent = entries.get(case.parent_id) if case.parent_id else None
        closed = case.closed if case.closed and case.closed <= as_of else None
        lines.append(CaseLine(
            case=case, child=child, parent=parent,
            deadlines=deadlines(child, contacts.get(case.person_id), POLICIES[policy],
                                as_of),
            flags=case_flags(case, parent, wishes.get(case.pk),
                             languages.get(case.parent_id, [])),
            family_id=child.family.public_id if child else "",
            closed=closed, stage=stages.get(case.pk, case.stage),
            outcome=case.outcome if closed else "", as_of=as_of))
    return lines


def _stages_on(cases: list[Case], as_of: dt.date) -> dict[int, str]:
    """Each case's stage on ``as_of``: that of its last change of stage dated on or before
    it (in the order of their days, then of their making)."""
    stages: dict[int, str] = {}
    for start in range(0, len(cases), STEP_CHUNK):
        chunk = [c.pk for c in cases[start:start + STEP_CHUNK]]
        for case_id, stage in (CaseStep.objects.filter(case_id__in=chunk, on__lte=as_of)
                               .exclude(to_stage="").order_by("case_id", "on", "pk")
                               .values_list("case_id", "to_stage")):
            stages[case_id] = stage
    return stages


def case_rows(as_of: dt.date) -> Iterator[dict]:
    """The spec's ``cases`` export (1.1), then ``parent_id`` and ``flags``."""
    for line in case_lines(as_of):
        due = line.next_deadline
        yield {
            "case_id": line.case.public_id,
            "person_id": person_public_id(line.case.person_id),
            "family_id": line.family_id,
            "stage": line.stage,
            "assigned_to": line.case.assigned_to.get_username() if line.case.assigned_to else "",
            "opened": line.case.opened.isoformat(),
            "closed": line.closed.isoformat() if line.closed else "",
            "outcome": line.outcome,
            "next_deadline": due.day.isoformat() if due else "",
            "parent_id": person_public_id(line.case.parent_id) if line.case.parent_id else "",
            "flags": ";".join(line.flags),
        }


def queue(user_id: int, as_of: dt.date) -> list[CaseLine]:
    """A caseworker's open cases, what is due first on top."""
    cases = Case.objects.filter(assigned_to_id=user_id, closed__isnull=True)\
        .select_related("assigned_to")
    lines = case_lines(as_of, cases)
    return sorted(lines, key=lambda line: line.sort_key(as_of))


def unassigned(as_of: dt.date, limit: int = FEW_CASES, *, anyone: bool = False
               ) -> list[CaseLine]:
    """Open cases nobody works yet (``anyone``: all open cases), the ``limit`` separated
    longest, what is due first on top (a supervisor's list). A case's first deadline runs
    from its separation, so the longest separated are the first due."""
    cases = Case.objects.filter(closed__isnull=True, opened__lte=as_of)
    if not anyone:
        cases = cases.filter(assigned_to__isnull=True)
    chosen = list(cases.select_related("assigned_to").order_by("opened", "pk")[:limit])
    lines = case_lines(as_of, chosen)
    return sorted(lines, key=lambda line: line.sort_key(as_of))


@dataclass
class CasePage:
    """Everything on one case: its line, history, contact log, wishes and determinations."""

    line: CaseLine
    steps: list[CaseStep]
    contacts: list[ContactEntry]
    wishes: list[ParentWishes]
    determinations: list[Determination]
    notices: list[CaseNotice] = field(default_factory=list)


def case_page(case_pk: int, as_of: dt.date) -> CasePage:
    """One case with the cases merged into it (their history stays theirs, shown here)."""
    case = Case.objects.select_related("assigned_to").get(pk=case_pk)
    merged = [case.pk, *Case.objects.filter(merged_into=case).values_list("pk", flat=True)]
    (line,) = case_lines(as_of, [case])
    return CasePage(
        line=line,
        steps=list(CaseStep.objects.filter(case_id__in=merged).order_by("at", "pk")),
        contacts=list(ContactEntry.objects.filter(case_id__in=merged).order_by("on", "pk")),
        wishes=list(ParentWishes.objects.filter(case_id__in=merged).order_by("-version")),
        determinations=list(Determination.objects.filter(case_id__in=merged).order_by("pk")),
        notices=list(CaseNotice.objects.filter(case_id__in=merged).order_by("-at")),
    )


def open_case_of(person: int) -> Case | None:
    """The child's case not closed, if any."""
    return Case.objects.filter(person_id=person, closed__isnull=True).first()


def notices_for(user_id: int, limit: int = 20) -> list[CaseNotice]:
    """The latest notices to a caseworker."""
    return list(CaseNotice.objects.filter(user_id=user_id).select_related("case")
                .order_by("-at")[:limit])



def latest_data_day() -> dt.date:
    """The day of the latest custody event in the store (today when there is none): pages of
    casework count days from it unless asked for another day."""
    from reunify.queries.timeline import latest_event_day

    return latest_event_day() or dt.date.today()


def pending_determinations(limit: int = 100) -> list[Determination]:
    """Determinations waiting for a second person's sign-off, oldest first."""
    return list(Determination.objects.filter(status=rules.PENDING).select_related("case")
                .order_by("requested_at")[:limit])
