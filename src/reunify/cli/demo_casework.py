"""The casework part of ``reunify demo`` (and of ``reunify serve``'s demonstration accounts):
open a case for every separated child, work a few of them through the real actions, and give
the demonstration caseworker a queue. A newcomer then sees cases at every stage."""

from __future__ import annotations

import datetime as dt

from reunify.rules import casework as rules

#: How many cases the demonstration caseworker gets, what is due first.
DEMO_QUEUE = 8


def open_and_work_cases(as_of: dt.date, *, actor: str) -> str:
    """Open the cases the register calls for; the first time, work five of them: one to
    reunification, one released to a sponsor (signed off by a second person), one waiting
    for a sign-off, one with the parent's wishes recorded, one with the parent located."""
    from reunify.actions.case_records import log_contact, record_wishes, request_determination
    from reunify.actions.case_records import sign_off as sign
    from reunify.actions.casework import close_case, follow_persons, move_case, open_cases
    from reunify.models import Case, CaseStep
    from reunify.queries.cases import needed_cases

    follow_persons(actor=actor)
    opened = open_cases(needed_cases(as_of), actor=actor, on=as_of)
    if CaseStep.objects.exclude(kind="opened").exists():
        return f"casework: {len(opened)} cases opened (cases were worked before)"
    chosen = list(Case.objects.filter(closed__isnull=True, parent__isnull=False).order_by("pk")[:5])
    if len(chosen) < 5:
        return f"casework: {len(opened)} cases opened"
    supervisor = f"{actor}-supervisor"

    def move(case, *stages: str) -> None:
        for stage in stages:
            move_case(case.pk, stage, reason=f"demo: {stage.replace('_', ' ')}", actor=actor,
                      on=as_of)

    def call(case) -> None:
        log_contact(case.pk, kind=rules.ATTEMPT, on=as_of, channel="consulate",
                    outcome=rules.REACHED, actor=actor, note="consulate found the parent")
        log_contact(case.pk, kind=rules.CALL, on=as_of, channel="phone", outcome=rules.REACHED,
                    minutes=15, language="Spanish", interpreter="", actor=actor)

    reunited, released, waiting, wished, located = chosen
    for case in (reunited, wished):
        move(case, rules.PARENT_LOCATED)
        call(case)
        move(case, rules.IN_CONTACT)
        record_wishes(case.pk, choice=rules.REUNIFY_HERE, words="Quiero que mi hijo esté "
                      "conmigo.", advised_in="Spanish", witness="consular officer", on=as_of,
                      actor=actor)
        move(case, rules.WISHES_RECORDED)
    move(reunited, rules.VERIFIED, rules.REUNIFICATION_PLANNED)
    close_case(reunited.pk, rules.REUNIFIED, reason="demo: handed to the parent", actor=actor,
               on=as_of)
    made = request_determination(released.pk, rules.RELEASE_TO_OTHER, actor=actor,
                                 basis="demo: parent not found; aunt vetted as sponsor",
                                 recipient="aunt")
    sign(made.pk, approve=True, note="demo: sponsor file checked", actor=supervisor, on=as_of)
    move(waiting, rules.PARENT_LOCATED)
    call(waiting)
    move(waiting, rules.IN_CONTACT)
    request_determination(waiting.pk, rules.CLOSE_DECLINED, actor=actor,
                          basis="demo: the parent declined on a recorded call")
    log_contact(located.pk, kind=rules.ATTEMPT, on=as_of, channel="whatsapp",
                outcome=rules.NO_ANSWER, actor=actor)
    move(located, rules.PARENT_LOCATED)
    return (f"casework: {len(opened)} cases opened; worked 5 ({reunited.public_id} reunified, "
            f"{released.public_id} released to a sponsor, {waiting.public_id} waiting for a "
            f"sign-off, {wished.public_id} wishes recorded, {located.public_id} parent located)")


def give_demo_caseworker_a_queue(*, actor: str) -> int:
    """Assign the open cases due first (up to ``DEMO_QUEUE``) to ``demo-caseworker``."""
    from django.contrib.auth import get_user_model

    from reunify.actions.casework import assign_case
    from reunify.queries.cases import latest_data_day, unassigned

    user = get_user_model().objects.filter(username="demo-caseworker").first()
    if user is None or user.cases.exists():
        return 0
    lines = unassigned(latest_data_day(), limit=DEMO_QUEUE)
    for line in lines:
        assign_case(line.case.pk, user.pk, reason="demo: a first queue", actor=actor)
    return len(lines)


def court_check(as_of: dt.date) -> str:
    """One line: whether the court report's categories add up to the register's count."""
    from reunify.reports.court import court_report

    checks = {row[0]: row[1] for row in court_report(as_of).sections[0].tables[1].rows}
    total = checks["sum of the categories"]
    register = checks["the register's children ever separated"]
    return (f"court report: {total} children in its categories, {register} ever separated "
            f"in the register; adds up: {checks['adds up']} (`reunify report court`)")
