"""The tracing hotline: an operator takes a call and answers while the caller is on the line;
a caseworker sees an inquiry's candidates and confirms or rejects one.

Minimal disclosure: the operator's pages show whether a match exists and which caseworker will
call back, never who the candidates are nor where anyone is held.
"""

from __future__ import annotations

import contextlib
import tempfile

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reunify.queries.tracing import (
    caller_answer,
    candidates,
    inquiry_by_reference,
    inquiry_record,
)
from reunify.rules.interchange import INQUIRY_RELATIONS, SEXES
from reunify.web.access import log_reads

_RELATION_LABELS = {
    "parent": gettext_lazy("Parent"), "guardian": gettext_lazy("Guardian"),
    "relative": gettext_lazy("Relative"), "sibling": gettext_lazy("Sibling"),
    "counsel": gettext_lazy("Counsel"), "other": gettext_lazy("Other"),
}


class CallForm(forms.Form):
    """The inquiry's fields, as the spec's kind ``inquiries`` names them."""

    inquirer_given_name = forms.CharField(label=gettext_lazy("Caller's given name(s)"),
                                          max_length=200, required=False)
    inquirer_family_name = forms.CharField(label=gettext_lazy("Caller's surname(s)"),
                                           max_length=200, required=False)
    inquirer_birth_date = forms.CharField(label=gettext_lazy("Caller's birth date"),
                                          max_length=10, required=False)
    inquirer_phone = forms.CharField(label=gettext_lazy("Phone to call back"), max_length=64,
                                     required=False)
    inquirer_a_number = forms.CharField(label=gettext_lazy("Caller's A-number"), max_length=32,
                                        required=False)
    relation = forms.ChoiceField(label=gettext_lazy("The caller is the person's"),
                                 choices=[(r, _RELATION_LABELS[r]) for r in INQUIRY_RELATIONS])
    sought_given_name = forms.CharField(label=gettext_lazy("Given name(s) of the person sought"),
                                        max_length=200, required=False)
    sought_family_name = forms.CharField(label=gettext_lazy("Surname(s) of the person sought"),
                                         max_length=200, required=False)
    sought_birth_date = forms.CharField(label=gettext_lazy("Birth date (or year)"),
                                        max_length=10, required=False)
    sought_age = forms.CharField(label=gettext_lazy("Age, if no date"), max_length=3,
                                 required=False)
    sought_sex = forms.ChoiceField(label=gettext_lazy("Sex"), required=False,
                                   choices=[("", "—"), *((s, s) for s in SEXES)])
    last_seen_place = forms.CharField(label=gettext_lazy("Where they were separated"),
                                      max_length=200, required=False)
    last_seen_on = forms.CharField(label=gettext_lazy("When they were separated"),
                                   max_length=10, required=False)


class LookupForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Reference number"), max_length=20)


class DecisionForm(forms.Form):
    person = forms.CharField(max_length=12, widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect,
                                 choices=[("confirmed", gettext_lazy("This is the person sought")),
                                          ("rejected", gettext_lazy("Not the person sought"))])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


def _page(request, *, form=None, lookup=None, answer=None, problems=None, status=200):
    return render(request, "reunify/hotline.html", {
        "form": form or CallForm(), "lookup": lookup or LookupForm(), "answer": answer,
        "problems": problems}, status=status)


@require_http_methods(["GET", "POST"])
def hotline(request):
    """Take one inquiry by phone and answer at once: its reference number, whether a match
    exists, and who will call back."""
    if request.method == "GET":
        return _page(request)
    from reunify.actions.ingest import BatchRejected
    from reunify.actions.tracing import NoModel, match_inquiries
    from reunify.actions.tracing_intake import take_call

    form = CallForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    actor = request.access.username
    try:
        with tempfile.TemporaryDirectory(prefix="reunify-call-") as folder:
            inquiry = take_call(form.cleaned_data, actor=actor, folder=folder)
    except BatchRejected as rejected:
        return _page(request, form=form, problems=[str(p) for p in rejected.problems],
                     status=422)
    # No records linked yet (NoModel): the inquiry waits, with its reference.
    with contextlib.suppress(NoModel):
        match_inquiries(actor=actor, keys=[(inquiry.source, inquiry.inquiry_id)])
    inquiry.refresh_from_db()
    return _page(request, answer=caller_answer(inquiry))


@require_POST
def hotline_lookup(request):
    """A caller quotes their reference number: what the operator may tell them now."""
    from reunify.rules.tracing import normal_reference

    lookup = LookupForm(request.POST)
    if not lookup.is_valid():
        return _page(request, lookup=lookup, status=400)
    inquiry = inquiry_by_reference(normal_reference(lookup.cleaned_data["reference"]))
    if inquiry is None:
        lookup.add_error("reference", gettext_lazy("No inquiry has this reference number."))
        return _page(request, lookup=lookup, status=404)
    return _page(request, lookup=lookup, answer=caller_answer(inquiry))


def _inquiry(reference: str):
    from reunify.rules.tracing import normal_reference

    inquiry = inquiry_by_reference(normal_reference(reference))
    if inquiry is None:
        raise Http404
    return inquiry


@require_GET
def inquiry(request, reference: str):
    """An inquiry for a caseworker: what the caller said, the candidates best first with each
    comparison's weight, and the decision form."""
    found = _inquiry(reference)
    listed = candidates(found)
    log_reads(request, "person", [f"P{c.person_id:07d}" for c in listed])
    return render(request, "reunify/tracing_inquiry.html", {
        "inquiry": found, "record": inquiry_record(found), "candidates": listed,
        "form": DecisionForm()})


@require_POST
def decide(request, reference: str):
    """Confirm or reject a candidate, with a reason."""
    from reunify.actions.tracing import decide_candidate

    found = _inquiry(reference)
    form = DecisionForm(request.POST)
    person = form.data.get("person", "").upper().removeprefix("P")
    if not form.is_valid() or not person.isdigit() or not found.candidates.filter(
            person_id=int(person)).exists():
        return render(request, "reunify/tracing_inquiry.html", {
            "inquiry": found, "record": inquiry_record(found), "candidates": candidates(found),
            "form": form}, status=400)
    decide_candidate(found.reference, int(person), form.cleaned_data["decision"],
                     reason=form.cleaned_data["reason"], actor=request.access.username)
    return redirect("tracing_inquiry", reference=found.reference)
