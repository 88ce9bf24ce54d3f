"""The true separation register as of a day, from each family member's true custody.

Definitions (docs/simulator.md, "Truth register"):

- ``status``: the member's true status on ``as_of`` (the last ``Member.move`` on or before it).
- ``since``: the day the current status began; ``separated_since``: the start of the member's
  latest separation (kept after it ended); ``days_separated``: from ``separated_since`` to the
  day the separation ended (reunified, released, removed) or, if it has not, to ``as_of``.
- flags: ``tender_age`` / ``infant`` — a child ever separated who was under 5 / under 1 on the
  day of separation; ``parent_removed_without_child`` — on a parent or guardian who is removed
  while a child of the family was separated and is neither removed nor reunified, and on each
  such child; ``deadline_missed`` — a separated child whose separation outlived the Ms. L.
  deadline, or who had no contact with a parent by its contact deadline
  (``reunify.rules.deadlines``); ``whereabouts_unknown`` — status ``unknown``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from reunify.rules.deadlines import DEFAULT_POLICY, POLICIES, contact_missed, deadline_missed
from reunify.simulator.people import age_on
from reunify.simulator.season import Custody, Unit

ENDS = frozenset({"reunified", "released", "removed"})
CARERS = frozenset({"parent", "guardian"})
FLAG_ORDER = ("tender_age", "infant", "parent_removed_without_child", "deadline_missed",
              "whereabouts_unknown")


def _standing(truth: list[Custody], as_of: dt.date) -> dict | None:
    known = [c for c in truth if c.day <= as_of]
    if not known:
        return None
    now = known[-1]
    since = known[0].day
    separated_since = ended = None
    previous = None
    for c in known:
        if c.status != previous:
            since = c.day
            if c.status == "separated":
                separated_since, ended = c.day, None
            elif c.status in ENDS and previous == "separated" and separated_since:
                ended = c.day
            previous = c.status
    return {"now": now, "since": since, "separated_since": separated_since, "ended": ended}


def register_rows(unit: Unit, as_of: dt.date) -> Iterator[dict]:
    """The register rows of one family unit (nothing if it was not yet in custody)."""
    policy = POLICIES[DEFAULT_POLICY]
    standings = {m.person.person_id: _standing(m.truth, as_of) for m in unit.members}
    if any(s is None for s in standings.values()):
        return
    left_behind = [m.person.person_id for m in unit.members if m.role == "child"
                   and standings[m.person.person_id]["separated_since"] is not None
                   and standings[m.person.person_id]["now"].status not in {"removed",
                                                                           "reunified"}]
    carer_removed = any(m.role in CARERS and standings[m.person.person_id]["now"].status
                        == "removed" for m in unit.members)
    for m in unit.members:
        pid = m.person.person_id
        s = standings[pid]
        now = s["now"]
        flags = []
        sep = s["separated_since"]
        age = age_on(m.person.birth_date, sep) if sep else None
        if m.role == "child" and sep is not None:
            if age < 5:
                flags.append("tender_age")
            if age < 1:
                flags.append("infant")
        if (m.role in CARERS and now.status == "removed" and left_behind) or (
                pid in left_behind and carer_removed):
            flags.append("parent_removed_without_child")
        if m.role == "child" and (
                deadline_missed(policy, separated_since=sep, ended=s["ended"], age_years=age,
                                as_of=as_of)
                or contact_missed(policy, separated_since=sep, ended=s["ended"],
                                  first_contact=m.person.first_contact, as_of=as_of)):
            flags.append("deadline_missed")
        if now.status == "unknown":
            flags.append("whereabouts_unknown")
        days = None
        if sep is not None:
            days = max(((s["ended"] or as_of) - sep).days, 0)
        yield {
            "family_id": unit.family_id, "person_id": pid, "name": m.person.full_name,
            "birth_date": m.person.birth_date.isoformat(), "status": now.status,
            "custodian": now.custodian, "facility": now.facility,
            "since": s["since"].isoformat(),
            "separated_since": sep.isoformat() if sep else "",
            "days_separated": "" if days is None else str(days), "flags": ";".join(flags),
            "role": m.role,
        }
