"""Home, search, a person's page and a family's page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from reunify.queries.families import family_public_id, numbers_of
from reunify.queries.family_page import family_members, family_page, member_standings
from reunify.queries.person import person_page
from reunify.queries.search import search as find
from reunify.rules import grants as g
from reunify.rules.as_of import AsOfOutOfRange, check_as_of
from reunify.web.access import log_reads, object_key
from reunify.web.charts import custody_timeline


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name, A-number or record id"), max_length=200)


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("As of"), required=False)


def as_of_day(request) -> dt.date:
    """The day a page is computed for: ``?as_of=YYYY-MM-DD`` (a date, not personal), or today."""
    form = AsOfForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("as_of"):
        try:
            return check_as_of(form.cleaned_data["as_of"])
        except AsOfOutOfRange as error:
            raise BadRequest(str(error)) from None
    return dt.date.today()


@require_GET
def home(request):
    """Where a user starts: what their role lets them do, and their families if assigned."""
    access = request.access
    families = []
    if access.family_ids is not None:
        families = [family_public_id(n) for n in sorted(numbers_of(access.family_ids).values())]
    context = {"families": families}
    if access.may(g.CASES_WORK) and not access.scope_all:
        # A caseworker's home page is their queue (docs/casework.md).
        from reunify.queries.cases import latest_data_day, notices_for, queue
        from reunify.web.views.cases import case_day

        day = case_day(request) if "as_of" in request.GET else latest_data_day()
        context.update(queue_shown=True, lines=queue(access.user_id, day), as_of=day,
                       notices=notices_for(access.user_id))
        log_reads(request, "person", [line.child_id for line in context["lines"]])
    return render(request, "reunify/home.html", context)


@require_http_methods(["GET", "POST"])
def search(request):
    """Search by POST, so that no name ever appears in a URL or a server log."""
    form = SearchForm(request.POST or None)
    hits = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            hits = find(form.cleaned_data["q"], visible=request.access.person_ids)
            log_reads(request, "person", [h.person_id for h in hits])
        else:
            status = 400
    template = "reunify/search_results.html" if request.headers.get("HX-Request") else \
        "reunify/search.html"
    return render(request, template, {"form": form, "hits": hits,
                                      "rows": _standing(request, hits or [])}, status=status)


#: Search results beyond this many are listed without their register standing (cost).
STANDING_HITS = 50


def _standing(request, hits) -> list[tuple]:
    """Each hit with the person's role, status and where held in their family, as of the
    latest day of the data (None when not in a family or beyond ``STANDING_HITS``)."""
    from reunify.queries.cases import latest_data_day

    allowed = request.access.family_ids  # None: every family
    # The hits' families are current ones (search attaches only those): computed together.
    families = {f for h in hits[:STANDING_HITS] for f in h.family_keys
                if allowed is None or f in allowed}
    members = member_standings(families, as_of=latest_data_day()) if families else {}
    return [(h, members.get(h.person_pk)) for h in hits]


@require_GET
def person(request, person_id: str):
    """A person: their records, relations, families and custody timeline."""
    pk = object_key("person", person_id)
    as_of = as_of_day(request)
    page = person_page(pk, as_of=as_of)
    events = page.timeline.events
    until = as_of
    if "as_of" not in request.GET and events:
        # Without a day asked for, draw the events, not years of the same custody after them.
        span = (events[-1].day - events[0].day).days
        until = min(as_of, events[-1].day + dt.timedelta(days=max(span // 10, 7)))
    chart = custody_timeline(events, page.timeline.gaps, until=until,
                             title=_("Custody timeline of %(id)s") % {"id": page.public_id})
    # The person's family members, with status, flags and days separated (as of the day
    # asked for, else the latest day of the data), and the person's case.
    from reunify.queries.cases import latest_data_day, open_case_of

    day = as_of if "as_of" in request.GET else latest_data_day()
    relatives = []
    for view in page.family_views:
        relatives.extend(m for m in family_members(view, as_of=day, names=request.access.names)
                         if m.pk != pk)
    # The person and every relative the page shows: one log write for the page.
    log_reads(request, "person", [page.public_id, *(m.public_id for m in relatives)])
    case = open_case_of(pk) if request.access.may(g.CASES_READ) else None
    return render(request, "reunify/person.html",
                  {"page": page, "chart": chart, "as_of": until, "relatives": relatives,
                   "relatives_day": day, "case": case})


@require_GET
def family(request, family_id: str):
    """A family: members, where each is, status, flags, days separated, evidence, decisions."""
    pk = object_key("family", family_id)
    as_of = as_of_day(request)
    page = family_page(pk, as_of=as_of, names=request.access.names)
    log_reads(request, "person", [m.public_id for m in page.members])
    return render(request, "reunify/family.html", {"page": page, "as_of": as_of})
