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
from reunify.queries.family_page import family_page
from reunify.queries.person import person_page
from reunify.queries.search import search as find
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
    return render(request, "reunify/home.html", {"families": families})


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
    return render(request, template, {"form": form, "hits": hits}, status=status)


@require_GET
def person(request, person_id: str):
    """A person: their records, relations, families and custody timeline."""
    pk = object_key("person", person_id)
    as_of = as_of_day(request)
    page = person_page(pk, as_of=as_of)
    log_reads(request, "person", [page.public_id])
    events = page.timeline.events
    until = as_of
    if "as_of" not in request.GET and events:
        # Without a day asked for, draw the events, not years of the same custody after them.
        span = (events[-1].day - events[0].day).days
        until = min(as_of, events[-1].day + dt.timedelta(days=max(span // 10, 7)))
    chart = custody_timeline(events, page.timeline.gaps, until=until,
                             title=_("Custody timeline of %(id)s") % {"id": page.public_id})
    return render(request, "reunify/person.html",
                  {"page": page, "chart": chart, "as_of": until})


@require_GET
def family(request, family_id: str):
    """A family: members, where each is, status, flags, days separated, evidence, decisions."""
    pk = object_key("family", family_id)
    as_of = as_of_day(request)
    page = family_page(pk, as_of=as_of, names=request.access.names)
    log_reads(request, "person", [m.public_id for m in page.members])
    return render(request, "reunify/family.html", {"page": page, "as_of": as_of})
