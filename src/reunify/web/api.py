"""The REST API (django-ninja, OpenAPI at ``/api/v1/openapi.json``).

Every operation declares its output schema; nothing else leaves. Access is decided by the same
enforcement point as the pages (``reunify.web.access``), before an operation runs. Writes carry
a version: ``If-Match`` with the ETag the read returned, 412 when it is stale, 428 without it.
"""


import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import django_auth

from reunify.queries.family_page import family_page
from reunify.queries.person import person_page
from reunify.queries.review_queue import open_pairs, pair_view
from reunify.queries.search import search as find
from reunify.rules.as_of import AsOfOutOfRange
from reunify.rules.flags import FLAGS
from reunify.rules.interchange import STATUSES
from reunify.web.access import log_reads, object_key
from reunify.web.api_cases import router as cases_router
from reunify.web.views.register import register_page
from reunify.web.views.review import decide

api = NinjaAPI(
    title="reunify",
    version="1",
    description="Separated families: search, persons, families, the register, the review "
    "queue and the ledger. Signed-in sessions only; every read of a person is logged.",
    urls_namespace="api",
    auth=django_auth,
    docs_url=None,
)
api.add_router("/", cases_router)


class Problem(Schema):
    detail: str


@api.exception_handler(AsOfOutOfRange)
def as_of_out_of_range(request: HttpRequest, error: AsOfOutOfRange):
    """A day the register cannot answer for is the request's mistake: 400, said plainly."""
    return api.create_response(request, {"detail": str(error)}, status=400)


class MeOut(Schema):
    username: str
    role: str
    permissions: list[str]
    names: bool


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=200)


class HitOut(Schema):
    person_id: str
    name: str
    birth_date: str
    source: str
    record_id: str
    matched_on: str
    score: float
    families: list[str]


class RecordOut(Schema):
    source: str
    record_id: str
    version: int
    given_name: str
    family_name: str
    birth_date: str
    sex: str
    country: str
    a_number: str


class EventOut(Schema):
    at: dt.datetime
    type: str
    custodian: str
    facility: str
    sources: list[str]


class GapOut(Schema):
    start: dt.date
    end: dt.date | None


class FamilyRefOut(Schema):
    family_id: str
    role: str


class PersonOut(Schema):
    person_id: str
    name: str
    birth_date: str
    records: list[RecordOut]
    families: list[FamilyRefOut]
    timeline: list[EventOut]
    gaps: list[GapOut]
    custodian: str
    facility: str
    status: str
    flags: list[str]


class MemberOut(Schema):
    person_id: str
    role: str
    name: str
    birth_date: str
    status: str
    custodian: str
    facility: str
    since: dt.date | None
    separated_since: dt.date | None
    days_separated: int | None
    flags: list[str]
    records: list[str]


class LinkOut(Schema):
    from_person_id: str
    relation: str
    to_person_id: str
    evidence: str
    strength: float
    conflict: str
    sources: list[str]


class DecisionOut(Schema):
    person_id: str
    at: dt.datetime
    type: str
    custodian: str
    facility: str
    actor: str
    authority: str
    source: str
    event_id: str


class FamilyOut(Schema):
    family_id: str
    as_of: dt.date
    status: str
    flags: list[str]
    members: list[MemberOut]
    links: list[LinkOut]
    decisions: list[DecisionOut]


class RegisterRowOut(Schema):
    family_id: str
    person_id: str
    name: str
    birth_date: str
    status: str
    custodian: str
    facility: str
    since: str
    separated_since: str
    days_separated: int | None
    flags: list[str]
    role: str


class ComparisonOut(Schema):
    name: str
    level: str
    weight: float | None


class PairSummaryOut(Schema):
    pair_id: int
    status: str
    match_weight: float
    match_probability: float


class PairRecordOut(Schema):
    source: str
    record_id: str
    given_name: str
    family_name: str
    birth_date: str
    sex: str
    country: str
    a_number: str
    phone: str


class PairOut(Schema):
    pair_id: int
    status: str
    version: str
    match_weight: float
    match_probability: float
    comparisons: list[ComparisonOut]
    left: PairRecordOut | None
    right: PairRecordOut | None


class DecisionIn(Schema):
    decision: str = Field(..., pattern="^(same|different)$")
    reason: str = Field(..., min_length=1, max_length=2000)


class LedgerEntryOut(Schema):
    seq: int
    recorded_at: dt.datetime
    actor: str
    type: str
    leaf_hash: str


def _source_label(value) -> str:
    if isinstance(value, dict):
        return ":".join(str(value.get(k, "")) for k in ("source", "record_id") if value.get(k))
    if isinstance(value, list | tuple):
        return ":".join(str(v) for v in value)
    return str(value)


@api.get("/me", response=MeOut, url_name="me")
def me(request: HttpRequest):
    """Who is signed in, and what their role lets them do."""
    access = request.access
    return {"username": access.username, "role": access.role,
            "permissions": sorted(access.permissions), "names": access.names}


#: The most hits a search ranks; ``count`` says how many there are, up to this.
SEARCH_MOST = 1_000


class Pages(PageNumberPagination):
    """Page-number pagination (``items``, ``count``) whose page number is bounded: a page past
    any store's end is simply empty, never an integer the database cannot hold (a 500)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=1_000)


class PersonsPage(Pages):
    """Pages that log the persons of the page served, and only those."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = list(page["items"])
        log_reads(request, "person", [item["person_id"] for item in page["items"]])
        return page


@api.post("/search", response=list[HitOut], url_name="search")
@paginate(PersonsPage, page_size=50)
def search(request: HttpRequest, body: SearchIn):
    """Persons answering a name, A-number or record id, best first, a page at a time (``page``
    in the query string; ``count`` is how many there are); POST: no name ever in a URL."""
    hits = find(body.q, visible=request.access.person_ids, limit=SEARCH_MOST)
    return [
        {"person_id": h.person_id, "name": h.name, "birth_date": h.birth_date,
         "source": h.source, "record_id": h.record_id, "matched_on": h.matched_on,
         "score": h.score, "families": h.families}
        for h in hits
    ]


@api.get("/persons/{person_id}", response={200: PersonOut, 404: Problem}, url_name="person")
def person(request: HttpRequest, person_id: str):
    """A person's records, families and custody timeline."""
    page = person_page(object_key("person", person_id))
    log_reads(request, "person", [page.public_id])
    names = request.access.names
    return {
        "person_id": page.public_id, "name": page.name if names else "",
        "birth_date": page.birth_date if names else "",
        "records": [
            {"source": r.source, "record_id": r.record_id, "version": r.version,
             "given_name": r.given_name if names else "",
             "family_name": r.family_name if names else "",
             "birth_date": r.birth_date if names else "", "sex": r.sex, "country": r.country,
             "a_number": r.a_number if names else ""}
            for r in page.records
        ],
        "families": [{"family_id": f, "role": role} for f, role in page.families],
        "timeline": [
            {"at": e.at, "type": e.type, "custodian": e.custodian, "facility": e.facility,
             "sources": [f"{s}:{i}" for s, i in e.sources]}
            for e in page.timeline.events
        ],
        "gaps": [{"start": g.start, "end": g.end} for g in page.timeline.gaps],
        "custodian": page.standing.custodian, "facility": page.standing.facility,
        "status": page.standing.status, "flags": page.standing.flags,
    }


@api.get("/families/{family_id}", response={200: FamilyOut, 404: Problem}, url_name="family")
def family(request: HttpRequest, family_id: str, as_of: dt.date | None = None):
    """A family: members, where each is, status, flags, days separated, evidence, decisions."""
    day = as_of or dt.date.today()
    page = family_page(object_key("family", family_id), as_of=day, names=request.access.names)
    log_reads(request, "person", [m.public_id for m in page.members])
    return {
        "family_id": page.public_id, "as_of": day, "status": page.status, "flags": page.flags,
        "members": [
            {"person_id": m.public_id, "role": m.role, "name": m.name,
             "birth_date": m.birth_date, "status": m.status, "custodian": m.custodian,
             "facility": m.facility, "since": m.since, "separated_since": m.separated_since,
             "days_separated": m.days_separated, "flags": m.flags, "records": m.records}
            for m in page.members
        ],
        "links": [
            {"from_person_id": k.from_id, "relation": k.relation, "to_person_id": k.to_id,
             "evidence": k.evidence, "strength": k.strength, "conflict": k.conflict,
             "sources": [_source_label(s) for s in k.sources]}
            for k in page.links
        ],
        "decisions": [
            {"person_id": d.person_id, "at": d.at, "type": d.type, "custodian": d.custodian,
             "facility": d.facility, "actor": d.actor, "authority": d.authority,
             "source": d.source, "event_id": d.event_id}
            for d in page.decisions
        ],
    }


class RegisterPageOut(Schema):
    items: list[RegisterRowOut]
    count: int


#: Rows per page of the register.
REGISTER_PAGE = 100


@api.get("/register", response={200: RegisterPageOut, 400: Problem}, url_name="register")
def register(request: HttpRequest, as_of: dt.date | None = None, status: str = "",
             flag: str = "", page: int = Query(1, ge=1, le=1_000_000)):
    """The separation register as of a day, filtered, a page at a time (``items``, ``count``);
    names only where the role allows. The persons on the page are logged as read."""
    wrong = [f"{name}: unknown value {value!r}, expected one of {', '.join(known)}"
             for name, value, known in (("status", status, STATUSES), ("flag", flag, FLAGS))
             if value and value not in known]
    if wrong:
        return Status(400, {"detail": "; ".join(wrong)})
    total, items = register_page(request.access, as_of or dt.date.today(), status=status,
                                 flag=flag, page=page, size=REGISTER_PAGE)
    log_reads(request, "person", [row["person_id"] for row in items])
    for row in items:
        row["flags"] = [f for f in row["flags"].split(";") if f]
        days = row["days_separated"]
        row["days_separated"] = None if days == "" else int(days)
    return {"items": items, "count": total}


@api.get("/review-pairs", response=list[PairSummaryOut], url_name="review_pairs")
@paginate(Pages, page_size=50)
def review_pairs(request: HttpRequest):
    """Open review pairs, the most uncertain first."""
    _total, pairs = open_pairs(offset=0, limit=10_000)
    return [{"pair_id": p.pk, "status": p.status, "match_weight": p.match_weight,
             "match_probability": p.match_probability} for p in pairs]


def _pair_record(record) -> dict | None:
    if record is None:
        return None
    return {"source": record.source, "record_id": record.record_id,
            "given_name": record.given_name, "family_name": record.family_name,
            "birth_date": record.birth_date, "sex": record.sex, "country": record.country,
            "a_number": record.a_number, "phone": record.phone}


@api.get("/review-pairs/{pair_id}", response={200: PairOut, 404: Problem},
         url_name="review_pair")
def review_pair(request: HttpRequest, response: HttpResponse, pair_id: str):
    """A pair with both records side by side; its ETag is the version a decision must match."""
    pair = pair_view(object_key("review_pair", pair_id))
    log_reads(request, "person", [f"P{p:07d}" for p in (pair.left_person, pair.right_person)
                                  if p is not None])
    response["ETag"] = f'"{pair.version}"'
    return {"pair_id": pair.pk, "status": pair.status, "version": pair.version,
            "match_weight": pair.match_weight, "match_probability": pair.match_probability,
            "comparisons": pair.comparisons,
            "left": _pair_record(pair.left), "right": _pair_record(pair.right)}


@api.post("/review-pairs/{pair_id}/decision",
          response={200: PairSummaryOut, 404: Problem, 412: Problem, 428: Problem},
          url_name="review_decide")
def review_decide(request: HttpRequest, pair_id: str, body: DecisionIn):
    """Decide a pair (``same`` accepts, ``different`` rejects) with a reason.

    Send ``If-Match`` with the ETag of the pair as read: 428 without it, 412 if it is stale.
    """
    pk = object_key("review_pair", pair_id)
    expected = request.headers.get("If-Match", "").strip()
    if not expected:
        return Status(428, {"detail": "If-Match with the pair's ETag is required"})
    version = expected.removeprefix("W/").strip('"')
    if decide(pk, body.decision, body.reason, actor=request.access.username,
              version=version) == "stale":
        return Status(412, {"detail": "the pair changed since it was read"})
    pair = pair_view(pk)
    return Status(200, {"pair_id": pair.pk, "status": pair.status,
                        "match_weight": pair.match_weight,
                        "match_probability": pair.match_probability})


@api.get("/ledger", response=list[LedgerEntryOut], url_name="ledger")
@paginate(Pages, page_size=100)
def ledger(request: HttpRequest):
    """Ledger entries, newest first (their bodies are verified by ``reunify ledger verify``)."""
    from reunify.models import LedgerEntry

    return LedgerEntry.objects.order_by("-seq").values("seq", "recorded_at", "actor", "type",
                                                       "leaf_hash")


class AccessReadOut(Schema):
    at: str
    user: str
    role: str
    what: str
    object_id: str
    route: str
    outcome: str


class AccessPageOut(Schema):
    count: int
    items: list[AccessReadOut]


@api.get("/access-log", response=AccessPageOut, url_name="access_log")
def access_log(request: HttpRequest, person: str | None = None, family: str | None = None,
               user: str | None = None, since: dt.date | None = None,
               until: dt.date | None = None, denied: bool = False, limit: int = 100,
               offset: int = 0):
    """Who read (``outcome=read``) or tried to read (``denied``) a person's or family's
    record, newest first: filter by ``person`` (P…), ``family`` (F…: it and its members),
    ``user`` and days (``since`` inclusive, ``until`` exclusive, UTC)."""
    from reunify.web.views.audit import access_filter

    _where, total, rows = access_filter(person=person, family=family, user=user, since=since,
                                       until=until, denied=denied,
                                       limit=max(0, min(limit, 500)),
                                       offset=max(0, min(offset, 10**9)))
    return {"count": total, "items": rows}
