"""Working reunification cases: open, assign, move, close, and follow children through relinking.

Each function is one action: one transaction, a keyword-only ``actor``, a ``CaseStep`` on the
case and an entry in the ledger (ids and vocabulary only; reasons stay on the case). The stage
table is ``reunify.rules.casework``. Which children need a case is the register's word; the
caller (the CLI, the demo) asks the register and passes the children here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.models import Assignment, Case, CaseNotice, CaseStep, Identity, RoleGrant
from reunify.rules import casework as rules
from reunify.rules.grants import CASEWORKER


class StaleCase(Exception):
    """The case changed since the page that asked for this step was shown."""


def _need(text: str, what: str) -> str:
    if not text or not text.strip():
        raise rules.CaseworkError(f"{what} is required")
    return text.strip()


def _records_of(person: int) -> list[list[str]]:
    return sorted([s, r] for s, r in Identity.objects.filter(person_id=person)
                  .values_list("source", "record_id"))


def _step(case: Case, kind: str, *, actor: str, reason: str = "", from_stage: str = "",
          to_stage: str = "", on: dt.date | None = None, **details) -> None:
    CaseStep.objects.create(case=case, at=timezone.now(), on=on, actor=actor, kind=kind,
                            from_stage=from_stage, to_stage=to_stage, reason=reason,
                            details=details)
    payload = {"case": case.public_id, "stage": case.stage}
    payload.update({k: v for k, v in details.items() if isinstance(v, str | int | bool)})
    append_entry(actor=actor, type=f"case.{kind}",
                 subjects=[f"case:{case.public_id}", f"P{case.person_id:07d}"], payload=payload)


def _notify(case: Case, text: str) -> None:
    if case.assigned_to_id is not None:
        CaseNotice.objects.create(user_id=case.assigned_to_id, case=case, at=timezone.now(),
                                  text=text)


def _earliest_day(case: Case) -> dt.date:
    """The first register day a change of the case's stage may be dated: its opening's, or its
    last change of stage's if later."""
    last = (CaseStep.objects.filter(case=case, on__isnull=False).exclude(to_stage="")
            .order_by("-on").values_list("on", flat=True).first())
    return max(d for d in (case.opened, last) if d is not None)


def _dated(case: Case, on: dt.date) -> dt.date:
    """``on``, refused when it precedes the case's opening or its last change of stage: a
    case's stage as of a day is read from its steps in the order of their days."""
    earliest = _earliest_day(case)
    if on < earliest:
        raise rules.CaseworkError(
            f"{case.public_id}: a step on {on.isoformat()} would precede the case's last "
            f"change of stage or its opening ({earliest.isoformat()}); expected a day on or "
            f"after it")
    return on


def _locked(case_pk: int, expected_version: int | None) -> Case:
    case = Case.objects.select_for_update().get(pk=case_pk)
    if expected_version is not None and case.version != expected_version:
        raise StaleCase(f"{case.public_id} changed since it was shown; reload it")
    return case


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version"])


def open_case(person: int, *, actor: str, on: dt.date, reason: str,
              parent: int | None = None) -> Case:
    """Open a case for a child by hand; refused when the child already has one not closed."""
    reason = _need(reason, "a reason for opening a case by hand")
    with in_transaction():
        if Case.objects.filter(person_id=person, closed__isnull=True).exists():
            raise rules.CaseworkError(f"P{person:07d} already has an open case")
        if not Identity.objects.filter(person_id=person).exists():
            raise rules.CaseworkError(f"no person P{person:07d}")
        case = Case.objects.create(person_id=person, parent_id=parent, stage=rules.OPEN,
                                   records=_records_of(person), opened=on, opened_by=actor)
        _step(case, "opened", actor=actor, reason=reason, to_stage=rules.OPEN, on=on,
              by_hand=True)
    return case


def open_cases(needed: Iterable[rules.Needed], *, actor: str, on: dt.date) -> list[Case]:
    """Open one case for every child given that has no case not closed; return those opened.

    A case's ``opened`` is the day the register first shows the child separated (``on`` when
    that is not known), so that the ``cases`` export as of any day since covers the child; the
    moment it was opened is its first step's. One transaction and one ledger entry for the lot
    (``case.opened_from_register``).
    """
    needed = list(needed)
    with in_transaction():
        _update_parents(needed, actor=actor)
        have = set(Case.objects.filter(closed__isnull=True).values_list("person_id", flat=True))
        wanted = {n.person: n for n in needed if n.person not in have}
        records: dict[int, list[list[str]]] = defaultdict(list)
        for source, record_id, person in Identity.objects.values_list(
                "source", "record_id", "person_id").iterator(chunk_size=20000):
            if person in wanted:
                records[person].append([source, record_id])
        created = Case.objects.bulk_create([
            Case(person_id=n.person, parent_id=n.parent, stage=rules.OPEN,
                 records=sorted(records[n.person]), opened=min(n.since or on, on),
                 opened_by=actor)
            for n in sorted(wanted.values(), key=lambda n: n.person)
        ], batch_size=2000)
        now = timezone.now()
        CaseStep.objects.bulk_create([
            CaseStep(case=c, at=now, on=c.opened, actor=actor, kind="opened",
                     to_stage=rules.OPEN,
                     reason="the register shows the child separated", details={})
            for c in created], batch_size=2000)
        if created:
            append_entry(actor=actor, type="case.opened_from_register",
                         subjects=[f"case:{c.public_id}" for c in created],
                         payload={"opened": len(created), "as_of": on.isoformat()})
    return created


def _update_parents(needed: list[rules.Needed], *, actor: str) -> None:
    parents = {n.person: n.parent for n in needed if n.parent is not None}
    cases = Case.objects.select_for_update().filter(closed__isnull=True,
                                                    person_id__in=list(parents))
    for case in cases:
        found = parents[case.person_id]
        if case.parent_id == found:
            continue
        before, case.parent_id = case.parent_id, found
        _save(case, "parent")
        text = (f"{case.public_id}: the parent sought is now P{found:07d}"
                + (f" (was P{before:07d})" if before else " (none was known)"))
        _notify(case, text)
        _step(case, "parent_found", actor=actor, reason=text, to_parent=f"P{found:07d}",
              from_parent=f"P{before:07d}" if before else "")


def assign_case(case_pk: int, user_id: int, *, reason: str, actor: str,
                expected_version: int | None = None) -> Case:
    """Assign (or reassign) a case to a caseworker, with a reason; the caseworker may then see
    the child's family, and a former caseworker keeps no assignment through this case."""
    reason = _need(reason, "a reason for the assignment")
    with in_transaction():
        case = _locked(case_pk, expected_version)
        if case.closed is not None:
            raise rules.CaseworkError(f"{case.public_id} is closed")
        grant = RoleGrant.objects.filter(user_id=user_id).first()
        if grant is None or grant.role != CASEWORKER:
            raise rules.CaseworkError("cases are assigned to caseworkers only")
        user = get_user_model().objects.get(pk=user_id)
        former = case.assigned_to_id
        if former == user_id:
            raise rules.CaseworkError(f"{case.public_id} is already assigned to {user}")
        now = timezone.now()
        if former is not None:
            CaseNotice.objects.create(user_id=former, case=case, at=now,
                                      text=f"{case.public_id} was reassigned to {user}: {reason}")
            others = Case.objects.filter(assigned_to_id=former, person_id=case.person_id,
                                         closed__isnull=True).exclude(pk=case.pk)
            if not others.exists():
                Assignment.objects.filter(user_id=former, person_id=case.person_id).delete()
        Assignment.objects.get_or_create(user_id=user_id, person_id=case.person_id, defaults={
            "granted_by": actor, "granted_at": now})
        case.assigned_to_id = user_id
        _save(case, "assigned_to")
        _notify(case, f"{case.public_id} is assigned to you: {reason}")
        _step(case, "assigned", actor=actor, reason=reason, to_user=user.get_username(),
              from_user=get_user_model().objects.get(pk=former).get_username() if former else "")
    return case


def move_case(case_pk: int, to: str, *, reason: str, actor: str, on: dt.date,
              expected_version: int | None = None) -> Case:
    """Move a case to another stage, as ``rules.casework.MOVES`` allows, on register day
    ``on`` (not before the case's last change of stage)."""
    reason = _need(reason, "a reason for the step")
    with in_transaction():
        case = _locked(case_pk, expected_version)
        rules.check_move(case.stage, to)
        _dated(case, on)
        before, case.stage = case.stage, to
        _save(case, "stage")
        _step(case, "moved", actor=actor, reason=reason, from_stage=before, to_stage=to, on=on)
    return case


def close_case(case_pk: int, outcome: str, *, reason: str, actor: str, on: dt.date,
               expected_version: int | None = None) -> Case:
    """Close a case as reunified (outcomes needing a sign-off close through it)."""
    reason = _need(reason, "a reason for closing")
    with in_transaction():
        case = _locked(case_pk, expected_version)
        rules.check_close(case.stage, outcome)
        _close(case, outcome, reason=reason, actor=actor, on=_dated(case, on))
    return case


def _close(case: Case, outcome: str, *, reason: str, actor: str, on: dt.date) -> None:
    before = case.stage
    case.stage, case.closed, case.outcome, case.outcome_reason = rules.CLOSED, on, outcome, reason
    _save(case, "stage", "closed", "outcome", "outcome_reason")
    _step(case, "closed", actor=actor, reason=reason, from_stage=before, to_stage=rules.CLOSED,
          on=on, outcome=outcome)


def repoint_case(case_pk: int, person: int, *, reason: str, actor: str) -> Case:
    """Tie a case to another person: a caseworker's choice after the child's records split."""
    reason = _need(reason, "a reason")
    with in_transaction():
        case = _locked(case_pk, None)
        if case.closed is not None:
            raise rules.CaseworkError(f"{case.public_id} is closed")
        if Case.objects.filter(person_id=person, closed__isnull=True).exclude(
                pk=case.pk).exists():
            raise rules.CaseworkError(f"P{person:07d} already has an open case")
        before, case.person_id, case.records = case.person_id, person, _records_of(person)
        _save(case, "person", "records")
        _step(case, "repointed", actor=actor, reason=reason, from_person=f"P{before:07d}",
              to_person=f"P{person:07d}")
    return case


def follow_persons(*, actor: str) -> dict[str, int]:
    """After a link run, keep every open case on its child (docs/casework.md, relinking).

    A case whose person lost all records moves to the person holding most of them; two open
    cases that end on one person become one (the earlier-opened survives, the other closes as
    ``merged`` and both caseworkers are told); a case whose records now span several persons
    stays, and its caseworker is asked to choose (``repoint_case``).
    """
    counts: Counter = Counter()
    with in_transaction():
        person_of = {(s, r): p for s, r, p in Identity.objects.values_list(
            "source", "record_id", "person_id").iterator(chunk_size=20000)}
        alive = set(person_of.values())
        cases = list(Case.objects.select_for_update().filter(closed__isnull=True).order_by("pk"))
        for case in cases:
            now_on = Counter(person_of.get(tuple(k)) for k in case.records)
            now_on.pop(None, None)
            if case.person_id not in alive and now_on:
                target = max(sorted(now_on), key=lambda p: now_on[p])
                before, case.person_id = case.person_id, target
                _save(case, "person")
                _step(case, "followed", actor=actor, reason="the child's records were relinked",
                      from_person=f"P{before:07d}", to_person=f"P{target:07d}")
                counts["followed"] += 1
            elsewhere = sorted(p for p in now_on if p != case.person_id)
            if elsewhere:
                names = ", ".join(f"P{p:07d}" for p in elsewhere)
                _notify(case, f"{case.public_id}: some of the child's records are now persons "
                              f"{names}; choose whom the case follows")
                _step(case, "split", actor=actor, reason=f"records moved to {names}",
                      persons=names)
                counts["split"] += 1
            current = _records_of(case.person_id)
            if current != case.records:
                case.records = current
                _save(case, "records")
        by_person: dict[int, list[Case]] = defaultdict(list)
        for case in cases:
            by_person[case.person_id].append(case)
        for group in by_person.values():
            survivor, *others = sorted(group, key=lambda c: (c.opened, c.pk))
            for other in others:
                if survivor.parent_id is None and other.parent_id is not None:
                    survivor.parent_id = other.parent_id
                    _save(survivor, "parent")
                other.merged_into = survivor
                other.save(update_fields=["merged_into"])
                text = (f"{other.public_id} and {survivor.public_id} were one child's cases; "
                        f"{survivor.public_id} carries on")
                _notify(survivor, text)
                _notify(other, text)
                # Dated today, or the case's last change of stage if a caseworker dated
                # one later, so its steps stay in order.
                _close(other, rules.MERGED, reason=text, actor=actor,
                       on=max(timezone.now().date(), _earliest_day(other)))
                counts["merged"] += 1
    return dict(counts)
