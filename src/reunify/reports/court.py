"""The court status report: every child ever separated in exactly one category of the
*Ms. L.* joint status reports, the categories adding up to the register's count (checked and
said), and the children still separated past a deadline with the reason for the delay.

Categories are ``reunify.rules.court``; the register is ``queries.register``; casework (case
outcome, the parent excluded, wishes recorded, parent reached) is ``queries.cases``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from reunify.models import Case, ContactEntry, ParentWishes
from reunify.queries.cases import parent_sought
from reunify.queries.register import register_entries
from reunify.reports.document import Report, Section, Table
from reunify.rules import court
from reunify.rules.casework import CALL, REACHED
from reunify.rules.deadlines import DEFAULT_POLICY, POLICIES
from reunify.rules.flags import DEADLINE_MISSED
from reunify.rules.status import SEPARATED


def _casework(as_of: dt.date) -> dict[int, dict]:
    """Child → what their latest case opened by ``as_of`` says (outcome only if closed by then)."""
    found: dict[int, dict] = {}
    cases = Case.objects.filter(opened__lte=as_of).order_by("pk").values(
        "pk", "person_id", "stage", "closed", "outcome", "parent_excluded")
    for row in cases:
        closed = row["closed"] is not None and row["closed"] <= as_of
        found[row["person_id"]] = {"case": row["pk"], "stage": row["stage"] if closed or
                                   row["closed"] is None else "", "outcome":
                                   row["outcome"] if closed else "",
                                   "excluded": row["parent_excluded"]}
    wishes = set(ParentWishes.objects.filter(on__lte=as_of).values_list("case_id", flat=True))
    reached = set(ContactEntry.objects.filter(on__lte=as_of).filter(
        outcome=REACHED).values_list("case_id", flat=True)) | set(
        ContactEntry.objects.filter(on__lte=as_of, kind=CALL).values_list("case_id", flat=True))
    for facts in found.values():
        facts["wishes"] = facts["case"] in wishes
        facts["reached"] = facts["case"] in reached
    return found


def court_report(as_of: dt.date) -> Report:
    """Build the court status report for the register as of ``as_of``."""
    policy = POLICIES[DEFAULT_POLICY]
    entries = list(register_entries(as_of))
    by_person = {e.person: e for e in entries}
    children = [e for e in entries if e.role == "child" and e.state.separated_since is not None]
    work = _casework(as_of)
    tally: Counter = Counter()
    delays: Counter = Counter()
    for entry in children:
        parent = parent_sought(entry, by_person)
        parent_entry = by_person.get(parent) if parent is not None else None
        case = work.get(entry.person, {})
        facts = court.ChildFacts(
            status=entry.state.status,
            parent_status=parent_entry.state.status if parent_entry else None,
            parent_in_custody=bool(parent_entry and parent_entry.state.in_custody),
            case_outcome=case.get("outcome", ""), parent_excluded=case.get("excluded", False),
            wishes_recorded=case.get("wishes", False), parent_reached=case.get("reached", False))
        category = court.court_category(facts)
        tally[category] += 1
        if entry.state.status == SEPARATED and DEADLINE_MISSED in entry.flags:
            stage = case.get("stage") or "no case"
            delays[(category, stage.replace("_", " "))] += 1
    total = sum(tally.values())
    adds_up = total == len(children)
    check = (f"The categories add up to {total}, the register's count of children ever "
             f"separated ({len(children)}): " + ("yes." if adds_up else "NO — a child is "
                                                 "counted twice or not at all."))
    summary = Section("Children in the class", text=[
        f"{len(children)} children were separated from a parent as of {as_of.isoformat()} "
        f"(the register). Each is counted in exactly one category below.", check,
    ], tables=[Table("Children by category", ["category", "children"],
                     [[c, tally[c]] for c in court.CATEGORIES] + [["total", total]]),
              Table("Do the categories add up to the register?", ["check", "value"],
                    [["sum of the categories", total],
                     ["the register's children ever separated", len(children)],
                     ["adds up", "yes" if adds_up else "no"]])])
    excluded = Section("Parents excluded, with basis", text=[
        "Determinations that a parent is unfit or a danger, signed off by a second person."],
        tables=[Table("Parents excluded", ["case", "child", "basis", "asked by", "signed by"],
                      _excluded(as_of))])
    delay = Section("Still separated past a deadline, and why", text=[
        f"Deadlines follow {policy.name}. The reason for the delay is the child's category "
        "and the stage of their case."],
        tables=[Table("Deadline missed, by reason", ["category", "case stage", "children"],
                      [[c, s, n] for (c, s), n in sorted(delays.items())])])
    return Report(title="Court status report: separated children",
                  subtitle=f"Register as of {as_of.isoformat()}; policy {policy.name}",
                  sections=[summary, excluded, delay])


def _excluded(as_of: dt.date) -> list[list[object]]:
    from reunify.models import Determination
    from reunify.rules.casework import APPROVED, PARENT_UNFIT

    rows = Determination.objects.filter(kind=PARENT_UNFIT, status=APPROVED,
                                        case__opened__lte=as_of).select_related("case")
    return [[d.case.public_id, f"P{d.case.person_id:07d}", d.basis, d.requested_by,
             d.decided_by] for d in rows.order_by("case_id", "pk")]

