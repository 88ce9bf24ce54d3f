"""The casework part of the REST API: cases, their steps, contact log, wishes and sign-offs.

Mounted on the API of ``reunify.web.api``; the same enforcement point decides access. Writes
that change a case's state (move, close, assign) carry ``If-Match`` with the ETag the case's
read returned (412 when stale, 428 without it); appends (contact, wishes, a request for a
determination, a sign-off) need none. A refused step answers 400 with the reason.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from reunify.actions import case_records, casework
from reunify.models import Case
from reunify.queries.cases import (
    FEW_CASES,
    CaseLine,
    case_lines,
    case_page,
    latest_data_day,
    queue,
)
from reunify.rules import casework as rules
from reunify.web.access import log_reads, object_key

router = Router(tags=["cases"])


class CaseProblem(Schema):
    detail: str


class DeadlineOut(Schema):
    name: str
    day: dt.date
    met: bool
    days_left: int


class CaseOut(Schema):
    case_id: str
    person_id: str
    parent_id: str
    family_id: str
    stage: str
    assigned_to: str
    opened: dt.date
    closed: dt.date | None
    outcome: str
    version: int
    deadlines: list[DeadlineOut]
    flags: list[str]


class ContactOut(Schema):
    on: dt.date
    kind: str
    channel: str
    outcome: str
    minutes: int | None
    language: str
    interpreter: str
    actor: str


class WishesOut(Schema):
    version: int
    on: dt.date
    choice: str
    words: str
    advised_in: str
    interpreter: str
    witness: str
    actor: str


class DeterminationOut(Schema):
    determination_id: int
    kind: str
    basis: str
    recipient: str
    status: str
    requested_by: str
    decided_by: str


class CaseDetailOut(CaseOut):
    contacts: list[ContactOut]
    wishes: list[WishesOut]
    determinations: list[DeterminationOut]


class MoveIn(Schema):
    stage: str = Field(..., max_length=32)
    reason: str = Field(..., min_length=1, max_length=2000)
    on: dt.date | None = None


class CloseIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    on: dt.date | None = None


class AssignIn(Schema):
    user: str = Field(..., min_length=1, max_length=150)
    reason: str = Field(..., min_length=1, max_length=2000)


class ContactIn(Schema):
    kind: str = Field(..., max_length=16)
    channel: str = Field(..., max_length=32)
    outcome: str = Field(..., max_length=32)
    on: dt.date
    minutes: int | None = Field(None, ge=1, le=1440)
    language: str = Field("", max_length=64)
    interpreter: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)


class WishesIn(Schema):
    choice: str = Field(..., max_length=32)
    words: str = Field(..., min_length=1, max_length=5000)
    advised_in: str = Field(..., min_length=1, max_length=64)
    interpreter: str = Field("", max_length=200)
    witness: str = Field(..., min_length=1, max_length=200)
    on: dt.date


class RequestIn(Schema):
    kind: str = Field(..., max_length=32)
    basis: str = Field(..., min_length=1, max_length=5000)
    recipient: str = Field("", max_length=200)


class RepointIn(Schema):
    person_id: str = Field(..., pattern=r"^P\d{7,12}$")
    reason: str = Field(..., min_length=1, max_length=2000)


class SignOffIn(Schema):
    approve: bool
    note: str = Field(..., min_length=1, max_length=2000)


def _out(line: CaseLine) -> dict:
    case = line.case
    return {
        "case_id": case.public_id, "person_id": line.child_id, "parent_id": line.parent_id,
        "family_id": line.family_id, "stage": line.stage,
        "assigned_to": case.assigned_to.get_username() if case.assigned_to else "",
        "opened": case.opened, "closed": line.closed, "outcome": line.outcome,
        "version": case.version, "flags": line.flags,
        "deadlines": [{"name": d.name, "day": d.day, "met": d.met,
                       "days_left": d.days_left_as_of} for d in line.deadlines],
    }


@router.get("/cases", response=list[CaseOut], url_name="cases")
def cases(request: HttpRequest, as_of: dt.date | None = None, page: int = Query(1, ge=1,
                                                                                le=100000)):
    """Open cases: a caseworker's own queue (due first), or, for who sees all, every open case
    a page of ``FEW_CASES`` at a time, the longest separated first."""
    day = as_of or latest_data_day()
    access = request.access
    if access.scope_all:
        chosen = list(Case.objects.filter(closed__isnull=True, opened__lte=day)
                      .select_related("assigned_to").order_by("opened", "pk")
                      [(page - 1) * FEW_CASES:page * FEW_CASES])
        lines = case_lines(day, chosen) if chosen else []
    else:
        lines = queue(access.user_id, day) if page == 1 else []
    log_reads(request, "person", [ln.child_id for ln in lines])
    return [_out(ln) for ln in lines]


class OutreachOut(Schema):
    case_id: str
    parent_id: str
    country: str
    attempts: int
    last_attempt: dt.date | None
    last_outcome: str
    reached: bool


@router.get("/cases/outreach", response=list[OutreachOut], url_name="cases_outreach")
def cases_outreach(request: HttpRequest, as_of: dt.date | None = None):
    """Parents outside the country sought by open cases (a caseworker's: their own), not yet
    reached first, with the count of attempts and the last one."""
    from reunify.queries.outreach import parents_abroad

    day = as_of or latest_data_day()
    access = request.access
    cases = None if access.scope_all else Case.objects.filter(
        assigned_to_id=access.user_id, closed__isnull=True, opened__lte=day)
    lines = parents_abroad(day, cases=cases)
    log_reads(request, "person", [ln.parent_id for ln in lines])
    return [{"case_id": ln.case.public_id, "parent_id": ln.parent_id,
             "country": ln.contact.country, "attempts": ln.attempts,
             "last_attempt": ln.last_attempt, "last_outcome": ln.last_outcome,
             "reached": ln.reached} for ln in lines]


@router.get("/cases/{case_id}", response={200: CaseDetailOut, 404: CaseProblem},
            url_name="case")
def case(request: HttpRequest, response: HttpResponse, case_id: str,
         as_of: dt.date | None = None):
    """One case with its contact log, the parent's wishes (every version) and determinations;
    its ETag is the version a move, close or assignment must match."""
    page = case_page(object_key("case", case_id), as_of or latest_data_day())
    log_reads(request, "person", [p for p in (page.line.child_id, page.line.parent_id) if p])
    response["ETag"] = f'"{page.line.case.version}"'
    return {**_out(page.line),
            "contacts": [{"on": c.on, "kind": c.kind, "channel": c.channel,
                          "outcome": c.outcome, "minutes": c.minutes, "language": c.language,
                          "interpreter": c.interpreter, "actor": c.actor}
                         for c in page.contacts],
            "wishes": [{"version": w.version, "on": w.on, "choice": w.choice, "words": w.words,
                        "advised_in": w.advised_in, "interpreter": w.interpreter,
                        "witness": w.witness, "actor": w.actor} for w in page.wishes],
            "determinations": [{"determination_id": d.pk, "kind": d.kind, "basis": d.basis,
                                "recipient": d.recipient, "status": d.status,
                                "requested_by": d.requested_by, "decided_by": d.decided_by}
                               for d in page.determinations]}


_WRITE = {200: CaseOut, 400: CaseProblem, 404: CaseProblem, 412: CaseProblem,
          428: CaseProblem}


def _run(request: HttpRequest, pk: int, do, *, versioned: bool):
    version = None
    if versioned:
        expected = request.headers.get("If-Match", "").strip()
        if not expected:
            return Status(428, {"detail": "If-Match with the case's ETag is required"})
        try:
            version = int(expected.removeprefix("W/").strip('"'))
        except ValueError:
            return Status(412, {"detail": "the case changed since it was read"})
    try:
        do(request.access.username, version)
    except casework.StaleCase:
        return Status(412, {"detail": "the case changed since it was read"})
    except (rules.CaseworkError, ObjectDoesNotExist) as error:
        return Status(400, {"detail": str(error)})
    (line,) = case_lines(latest_data_day(), [Case.objects.get(pk=pk)])
    return Status(200, _out(line))


@router.post("/cases/{case_id}/move", response=_WRITE, url_name="case_move")
def case_move(request: HttpRequest, case_id: str, body: MoveIn):
    """Move the case to another stage (``If-Match`` required)."""
    pk = object_key("case", case_id)
    return _run(request, pk, lambda actor, v: casework.move_case(
        pk, body.stage, reason=body.reason, actor=actor, on=body.on or latest_data_day(),
        expected_version=v), versioned=True)


@router.post("/cases/{case_id}/close", response=_WRITE, url_name="case_close")
def case_close(request: HttpRequest, case_id: str, body: CloseIn):
    """Close the case as reunified (``If-Match`` required)."""
    pk = object_key("case", case_id)
    return _run(request, pk, lambda actor, v: casework.close_case(
        pk, rules.REUNIFIED, reason=body.reason, actor=actor, on=body.on or latest_data_day(),
        expected_version=v), versioned=True)


@router.post("/cases/{case_id}/assign", response=_WRITE, url_name="case_assign")
def case_assign(request: HttpRequest, case_id: str, body: AssignIn):
    """Assign or reassign the case to a caseworker with a reason (``If-Match`` required)."""
    pk = object_key("case", case_id)

    def do(actor, v):
        user = get_user_model().objects.get(username=body.user)
        casework.assign_case(pk, user.pk, reason=body.reason, actor=actor, expected_version=v)

    return _run(request, pk, do, versioned=True)


@router.post("/cases/{case_id}/contacts", response=_WRITE, url_name="case_contact")
def case_contact(request: HttpRequest, case_id: str, body: ContactIn):
    """Log an attempt to reach the parent or a call between parent and child."""
    pk = object_key("case", case_id)
    return _run(request, pk, lambda actor, _v: case_records.log_contact(
        pk, kind=body.kind, on=body.on, channel=body.channel, outcome=body.outcome,
        minutes=body.minutes, language=body.language, interpreter=body.interpreter,
        note=body.note, actor=actor), versioned=False)


@router.post("/cases/{case_id}/wishes", response=_WRITE, url_name="case_wishes")
def case_wishes(request: HttpRequest, case_id: str, body: WishesIn):
    """Record a new version of the parent's wishes (earlier versions stay)."""
    pk = object_key("case", case_id)
    return _run(request, pk, lambda actor, _v: case_records.record_wishes(
        pk, choice=body.choice, words=body.words, advised_in=body.advised_in,
        interpreter=body.interpreter, witness=body.witness, on=body.on, actor=actor),
        versioned=False)


@router.post("/cases/{case_id}/determinations", response=_WRITE, url_name="case_request")
def case_request(request: HttpRequest, case_id: str, body: RequestIn):
    """Ask for a determination that a second person must sign off."""
    pk = object_key("case", case_id)
    return _run(request, pk, lambda actor, _v: case_records.request_determination(
        pk, body.kind, basis=body.basis, recipient=body.recipient, actor=actor),
        versioned=False)


@router.post("/cases/{case_id}/person", response=_WRITE, url_name="case_repoint")
def case_repoint(request: HttpRequest, case_id: str, body: RepointIn):
    """Tie the case to another person (after the child's records split); the person must be
    one the user may see."""
    pk = object_key("case", case_id)

    def do(actor, _v):
        person = object_key("person", body.person_id)
        if person is None or not request.access.sees_person(person):
            raise rules.CaseworkError("no such person")
        casework.repoint_case(pk, person, reason=body.reason, actor=actor)

    return _run(request, pk, do, versioned=False)


@router.post("/determinations/{determination_id}/sign-off", response=_WRITE,
             url_name="determination_sign_off")
def determination_sign_off(request: HttpRequest, determination_id: str, body: SignOffIn):
    """Approve or refuse a determination; the person who asked for it never can (400)."""
    from reunify.models import Determination

    pk = object_key("determination", determination_id)
    case_pk = Determination.objects.values_list("case_id", flat=True).get(pk=pk)
    return _run(request, case_pk, lambda actor, _v: case_records.sign_off(
        pk, approve=body.approve, note=body.note, actor=actor, on=latest_data_day()),
        versioned=False)
