"""The compliance report: where the separated children stand against the court's deadlines.

Counts and lists by class, deadlines met and missed, parents removed without their children,
children with no parent found, a figure of days separated, and a reconciliation of the count of
separated children source by source.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from reunify.queries.contacts import first_contacts
from reunify.queries.reconciliation import reconcile_sources
from reunify.queries.register import Entry
from reunify.reports.document import Figure, Report, Section, Table
from reunify.reports.figures import days_separated_histogram
from reunify.reports.register import stored_entries
from reunify.rules.deadlines import DEFAULT_POLICY, POLICIES, contact_missed, deadline_missed
from reunify.rules.family import age_years
from reunify.rules.flags import DEADLINE_MISSED, PARENT_REMOVED
from reunify.rules.interchange import STATUSES
from reunify.rules.kinship import UNLINKED_CHILD
from reunify.rules.status import SEPARATED


def _age(entry: Entry) -> str:
    when = entry.state.separated_since
    age = age_years(entry.birth_date, when) if when else None
    return "" if age is None else f"{age:.1f}"


def _child_row(entry: Entry) -> list[object]:
    s = entry.state
    return [entry.family.public_id, f"P{entry.person:07d}", entry.name, entry.birth_date,
            _age(entry), s.status, s.separated_since.isoformat() if s.separated_since else "",
            entry.days_separated if entry.days_separated is not None else "", s.custodian,
            s.facility, ";".join(entry.flags)]


_CHILD_COLUMNS = ["family", "person", "name", "birth date", "age at separation", "status",
                  "separated since", "days separated", "custodian", "facility", "flags"]


def _deadline_table(children: list[Entry], as_of: dt.date) -> tuple[Table, Counter]:
    policy = POLICIES[DEFAULT_POLICY]
    tally: Counter = Counter()
    for entry in children:
        s = entry.state
        when = s.separated_since
        age = age_years(entry.birth_date, when)
        klass = "under 5" if age is None or age < policy.young_age_years else "5 and over"
        deadline = policy.reunification_deadline(when, age)
        # The flag also covers a missed contact deadline: the rule itself says which.
        if deadline_missed(policy, separated_since=when, ended=s.separation_ended,
                           age_years=age, as_of=as_of):
            outcome = "missed"
        elif s.separation_ended is not None:
            outcome = "met"
        elif as_of <= deadline:
            outcome = "pending (deadline not yet passed)"
        else:  # pragma: no cover - the rule covers every open separation past its deadline
            outcome = "missed"
        tally[(klass, outcome)] += 1
    rows = [[klass, outcome, n] for (klass, outcome), n in sorted(tally.items())]
    return Table("Reunification deadlines by age at separation",
                 ["age class", "outcome", "children"], rows), tally


def _contact_table(children: list[Entry], as_of: dt.date,
                   contacts: dict[int, dt.date | None]) -> Table:
    policy = POLICIES[DEFAULT_POLICY]
    tally: Counter = Counter()
    for entry in children:
        s = entry.state
        if entry.person not in contacts:
            tally["not known: no source of this child's records records contact"] += 1
            continue
        deadline = policy.contact_deadline(s.separated_since)
        contact = contacts.get(entry.person)
        if contact_missed(policy, separated_since=s.separated_since, ended=s.separation_ended,
                          first_contact=contact, as_of=as_of):
            outcome = "missed: no contact recorded by the deadline"
        elif contact is not None and contact <= deadline:
            outcome = "met: contact recorded in time"
        elif s.separation_ended is not None and s.separation_ended <= deadline:
            outcome = "separation ended first"
        else:
            outcome = "pending (deadline not yet passed)"
        tally[outcome] += 1
    return Table(f"First contact with a parent within {policy.contact_days} days",
                 ["outcome", "children"], [[o, n] for o, n in sorted(tally.items())])


def compliance_report(as_of: dt.date, *, actor: str = "report") -> Report:
    """Build the compliance report for the register as of ``as_of`` (the stored register;
    ``actor`` is who asked, should it have to be computed)."""
    policy = POLICIES[DEFAULT_POLICY]
    entries = list(stored_entries(as_of, actor=actor))
    children = [e for e in entries if e.role == "child"]
    separated = [e for e in children if e.state.separated_since is not None]
    by_class: Counter = Counter((e.role, e.state.status) for e in entries)
    class_rows = [[role, status, by_class[(role, status)]]
                  for role in sorted({r for r, _s in by_class}) for status in STATUSES
                  if by_class[(role, status)]]
    deadline_table, tally = _deadline_table(separated, as_of)
    missed = sum(n for (_k, outcome), n in tally.items() if outcome == "missed")
    met = sum(n for (_k, outcome), n in tally.items() if outcome == "met")

    summary = Section("Summary", text=[
        f"{len({e.family.pk for e in entries})} families and {len(entries)} members are in "
        f"the register; {len(separated)} children were separated from a parent, of whom "
        f"{sum(1 for e in separated if e.state.status == SEPARATED)} are still separated.",
        f"Deadlines follow {policy.name}: children under {policy.young_age_years} reunified "
        f"within {policy.young_days} days, others within {policy.other_days} days, counted "
        f"from the later of the separation and {policy.order_date.isoformat()}. "
        f"{met} separations ended in time, {missed} missed their deadline.",
    ], tables=[Table("Members by role and status", ["role", "status", "members"], class_rows)])

    open_days = [e.days_separated or 0 for e in separated if e.state.status == SEPARATED]
    ended_days = [e.days_separated or 0 for e in separated if e.state.status != SEPARATED]
    contacts = first_contacts(e.person for e in separated)
    contact_tables, contact_text = [], []
    if contacts is None:
        contact_text.append(f"No source records contact between children and parents, so the "
                            f"{policy.contact_days}-day first-contact deadline cannot be "
                            f"checked.")
    else:
        contact_tables.append(_contact_table(separated, as_of, contacts))
    deadlines = Section("Deadlines", text=contact_text,
                        tables=[deadline_table, *contact_tables], figures=[Figure(
        "days-separated.png", f"Days separated, children, as of {as_of.isoformat()}",
        days_separated_histogram(open_days, ended_days,
                                 f"Separated children as of {as_of.isoformat()}"),
    )])

    left_behind = Counter(e.family.pk for e in children if PARENT_REMOVED in e.flags)
    removed_rows = [
        [e.family.public_id, f"P{e.person:07d}", e.name,
         e.state.since.isoformat() if e.state.since else "", left_behind[e.family.pk]]
        for e in entries if e.role != "child" and PARENT_REMOVED in e.flags
    ]
    removed = Section("Parents removed without their children", tables=[Table(
        "Parents removed while a child stayed separated",
        ["family", "person", "name", "removed on", "children left behind"], removed_rows)])

    unlinked = Section("Children with no parent found", text=[
        "Children a source recorded as separated for whom no parent or guardian was found in "
        "any source: their parent must be searched for by hand."],
        tables=[Table("Unlinked children", _CHILD_COLUMNS,
                      [_child_row(e) for e in children if UNLINKED_CHILD in e.flags])])

    lists = Section("Separated children", tables=[
        Table("Still separated", _CHILD_COLUMNS,
              [_child_row(e) for e in separated if e.state.status == SEPARATED]),
        Table("Deadline missed", _CHILD_COLUMNS,
              [_child_row(e) for e in separated if DEADLINE_MISSED in e.flags]),
    ])

    counts = reconcile_sources((e.person for e in separated), (e.person for e in entries),
                               as_of)
    reconciliation = Section("Reconciliation by source", text=[
        f"The register counts {len(separated)} separated children. Each source accounts for "
        "those it holds a record of; the differences are explained per source."],
        tables=[Table("Separated children per source",
                      ["source", "children held", "separations it reported",
                       "separations on adults", "separations not in the register",
                       "children not held", "why"],
                      [[c.source, c.children_held, c.separations_reported,
                        c.separations_on_adults, c.separations_not_in_register,
                        c.children_not_held, c.why]
                       for c in counts])])
    return Report(
        title="Compliance report: separated families",
        subtitle=f"Register as of {as_of.isoformat()}; policy {policy.name}",
        sections=[summary, deadlines, removed, unlinked, lists, reconciliation],
    )
