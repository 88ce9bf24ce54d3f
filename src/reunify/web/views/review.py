"""The review queue: two records side by side with their match weights; accept or reject."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reunify.queries.review_queue import open_pairs, pair_view
from reunify.web.access import log_reads, object_key

PAGE_SIZE = 50


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"),
                                 choices=[("same", gettext_lazy("Same person (accept)")),
                                          ("different", gettext_lazy("Different people (reject)"))],
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PageForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1)


def decide(pair_pk: int, decision: str, reason: str, *, actor: str, version: str) -> str:
    """Record a decision on a pair through the linkage engineer's action; returns the outcome:
    ``done``, or ``stale`` when the pair changed since the user saw it."""
    if pair_view(pair_pk).version != version:
        return "stale"
    from reunify.actions.review import StaleReview, decide_pair

    try:
        decide_pair(pair_pk, decision, reason=reason, actor=actor, expected_version=version)
    except StaleReview:
        return "stale"
    return "done"


@require_GET
def review_queue(request):
    """Open pairs, the most uncertain first."""
    form = PageForm(request.GET or None)
    number = (form.cleaned_data.get("page") if form.is_valid() else None) or 1
    total, _pairs = open_pairs(offset=0, limit=0)
    paginator = Paginator(range(total), PAGE_SIZE)
    page = paginator.get_page(number)
    _total, pairs = open_pairs(offset=(page.number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(request, "reunify/review_queue.html",
                  {"pairs": pairs, "page": page, "total": total})


@require_GET
def review_pair(request, pair_id: str):
    """One pair side by side, and (for those who may decide) the decision form."""
    pair = pair_view(object_key("review_pair", pair_id))
    log_reads(request, "person", [f"P{p:07d}" for p in (pair.left_person, pair.right_person)
                                  if p is not None])
    form = DecisionForm(initial={"version": pair.version})
    response = render(request, "reunify/review_pair.html", {"pair": pair, "form": form})
    response["ETag"] = f'"{pair.version}"'
    return response


@require_POST
def review_decide(request, pair_id: str):
    """Accept or reject a pair with a reason; a stale form (someone decided first) gets 412."""
    pk = object_key("review_pair", pair_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        pair = pair_view(pk)
        return render(request, "reunify/review_pair.html", {"pair": pair, "form": form},
                      status=400)
    data = form.cleaned_data
    outcome = decide(pk, data["decision"], data["reason"], actor=request.access.username,
                     version=data["version"])
    if outcome == "stale":
        return HttpResponse(_("This pair changed since you opened it. Reload and decide again."),
                            status=412, content_type="text/plain; charset=utf-8")
    return redirect("review_queue")
