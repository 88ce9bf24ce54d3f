"""Casework pages: the case list, one case with its forms, and a POST per action.

Every POST goes through one action of ``reunify.actions.casework`` / ``case_records`` as the
signed-in user; a refused step answers 400 with the reason on the case page, a form shown
before the case changed answers 412. Days are counted from ``?as_of=`` or the latest day of
the data.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from reunify.actions import case_records, casework
from reunify.queries.cases import (
    case_page,
    latest_data_day,
    pending_determinations,
    queue,
    unassigned,
)
from reunify.rules import casework as rules
from reunify.rules import grants as g
from reunify.web.access import log_reads, object_key
from reunify.web.labels import choices
from reunify.web.views.records import AsOfForm


def case_day(request) -> dt.date:
    """``?as_of=YYYY-MM-DD``, else the latest day of the data."""
    form = AsOfForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("as_of"):
        return form.cleaned_data["as_of"]
    return latest_data_day()


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("Next stage"),
                              choices=choices(rules.ACTIVE_STAGES))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)
    on = forms.DateField(label=gettext_lazy("On"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)
    on = forms.DateField(label=gettext_lazy("On"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=choices(rules.CONTACT_KINDS))
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=choices(rules.CHANNELS))
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"),
                                choices=choices(rules.CONTACT_OUTCOMES))
    on = forms.DateField(label=gettext_lazy("On"))
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), required=False, min_value=1,
                                 max_value=24 * 60)
    language = forms.CharField(label=gettext_lazy("Language"), max_length=64, required=False)
    interpreter = forms.CharField(label=gettext_lazy("Interpreter"), max_length=200,
                                  required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False)


class WishesForm(forms.Form):
    choice = forms.ChoiceField(label=gettext_lazy("The parent's choice"),
                               choices=choices(rules.CHOICES))
    words = forms.CharField(label=gettext_lazy("In the parent's own words"), max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    advised_in = forms.CharField(label=gettext_lazy("Language the parent was advised in"),
                                 max_length=64)
    interpreter = forms.CharField(label=gettext_lazy("Interpreter"), max_length=200,
                                  required=False)
    witness = forms.CharField(label=gettext_lazy("Witness"), max_length=200)
    on = forms.DateField(label=gettext_lazy("On"))


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Determination"),
                             choices=choices(tuple(rules.SIGN_OFF)))
    basis = forms.CharField(label=gettext_lazy("Basis"), max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    recipient = forms.CharField(label=gettext_lazy("Released to (for a release)"),
                                max_length=200, required=False)


class AssignForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("Caseworker's account"), max_length=150)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)


class RepointForm(forms.Form):
    person = forms.RegexField(label=gettext_lazy("Person the case follows"),
                              regex=r"^P\d{7,12}$")
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", gettext_lazy("Approve")),
                                          ("refuse", gettext_lazy("Refuse"))])
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000)


class OpenForm(forms.Form):
    person = forms.RegexField(label=gettext_lazy("Child's person id"), regex=r"^P\d{7,12}$")
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000)


#: Each form of the case page has its own prefix, so that field ids and labels are unique.
PREFIXES = {"move_form": "move", "close_form": "close", "contact_form": "contact",
            "wishes_form": "wishes", "request_form": "request", "assign_form": "assign",
            "sign_off_form": "signoff", "repoint_form": "repoint"}


def _forms(version: int, day: dt.date) -> dict:
    p = PREFIXES
    return {"move_form": MoveForm(initial={"version": version}, prefix=p["move_form"]),
            "close_form": CloseForm(initial={"version": version, "on": day},
                                    prefix=p["close_form"]),
            "contact_form": ContactForm(initial={"on": day}, prefix=p["contact_form"]),
            "wishes_form": WishesForm(initial={"on": day}, prefix=p["wishes_form"]),
            "request_form": RequestForm(prefix=p["request_form"]),
            "assign_form": AssignForm(prefix=p["assign_form"]),
            "sign_off_form": SignOffForm(prefix=p["sign_off_form"]),
            "repoint_form": RepointForm(prefix=p["repoint_form"])}


def _case_response(request, pk: int, *, status: int = 200, error: str = "", **bound):
    day = case_day(request)
    page = case_page(pk, day)
    log_reads(request, "person", [f"P{p:07d}" for p in (page.line.case.person_id,
                                                        page.line.case.parent_id) if p])
    context = {"page": page, "line": page.line, "as_of": day, "error": error,
               **_forms(page.line.case.version, day), **bound,
               "may_work": request.access.may(g.CASES_WORK),
               "may_assign": request.access.may(g.CASES_ASSIGN),
               "may_sign_off": request.access.may(g.CASES_SIGN_OFF)}
    return render(request, "reunify/case.html", context, status=status)


@require_GET
def cases(request):
    """A caseworker's queue, or (for who may assign) the open cases nobody works yet."""
    day = case_day(request)
    access = request.access
    if access.may(g.CASES_ASSIGN):
        lines, title = unassigned(day), _("Open cases nobody works yet")
    elif access.scope_all:
        lines, title = unassigned(day, anyone=True), _("Open cases")
    else:
        lines, title = queue(access.user_id, day), _("Your cases")
    log_reads(request, "person", [f"P{ln.case.person_id:07d}" for ln in lines])
    return render(request, "reunify/cases.html", {
        "lines": lines, "title": title, "as_of": day, "open_form": OpenForm(),
        "pending": pending_determinations() if access.may(g.CASES_SIGN_OFF) else []})


@require_GET
def case(request, case_id: str):
    """One case: child, parent, deadlines, history, contact log, wishes, determinations."""
    return _case_response(request, object_key("case", case_id))


def _act(request, pk: int, form_class, name: str, do):
    """Validate ``form_class`` from the POST and run ``do(data, actor)``; back to the case."""
    form = form_class(request.POST, prefix=PREFIXES[name])
    if not form.is_valid():
        return _case_response(request, pk, status=400, **{name: form})
    try:
        do(form.cleaned_data, request.access.username)
    except casework.StaleCase:
        return HttpResponse(_("This case changed since you opened it. Reload and try again."),
                            status=412, content_type="text/plain; charset=utf-8")
    except (rules.CaseworkError, ObjectDoesNotExist) as error:
        return _case_response(request, pk, status=400, error=str(error), **{name: form})
    return redirect("case", case_id=f"C{pk:07d}")


@require_POST
def case_move(request, case_id: str):
    """Move the case to another stage (the form carries the version shown)."""
    pk = object_key("case", case_id)
    return _act(request, pk, MoveForm, "move_form", lambda d, actor: casework.move_case(
        pk, d["stage"], reason=d["reason"], actor=actor, on=d["on"] or case_day(request),
        expected_version=d["version"]))


@require_POST
def case_close(request, case_id: str):
    """Close the case as reunified (the form carries the version shown)."""
    pk = object_key("case", case_id)
    return _act(request, pk, CloseForm, "close_form", lambda d, actor: casework.close_case(
        pk, rules.REUNIFIED, reason=d["reason"], actor=actor, on=d["on"] or case_day(request),
        expected_version=d["version"]))


@require_POST
def case_contact(request, case_id: str):
    """Log an attempt to reach the parent or a call between parent and child."""
    pk = object_key("case", case_id)
    return _act(request, pk, ContactForm, "contact_form", lambda d, actor: case_records
                .log_contact(pk, kind=d["kind"], on=d["on"], channel=d["channel"],
                             outcome=d["outcome"], minutes=d["minutes"],
                             interpreter=d["interpreter"], language=d["language"],
                             note=d["note"], actor=actor))


@require_POST
def case_wishes(request, case_id: str):
    """Record a new version of the parent's wishes."""
    pk = object_key("case", case_id)
    return _act(request, pk, WishesForm, "wishes_form", lambda d, actor: case_records
                .record_wishes(pk, choice=d["choice"], words=d["words"],
                               advised_in=d["advised_in"], interpreter=d["interpreter"],
                               witness=d["witness"], on=d["on"], actor=actor))


@require_POST
def case_request(request, case_id: str):
    """Ask for a determination that a second person must sign off."""
    pk = object_key("case", case_id)
    return _act(request, pk, RequestForm, "request_form", lambda d, actor: case_records
                .request_determination(pk, d["kind"], basis=d["basis"],
                                       recipient=d["recipient"], actor=actor))


@require_POST
def case_assign(request, case_id: str):
    """Assign or reassign the case to a caseworker, with a reason."""
    pk = object_key("case", case_id)

    def do(d, actor):
        user = get_user_model().objects.get(username=d["user"])
        casework.assign_case(pk, user.pk, reason=d["reason"], actor=actor)

    return _act(request, pk, AssignForm, "assign_form", do)


@require_POST
def case_repoint(request, case_id: str):
    """Tie the case to another person: the caseworker's choice after the child's records
    split (the person must be one the user may see)."""
    pk = object_key("case", case_id)

    def do(d, actor):
        person = object_key("person", d["person"])
        if person is None or not request.access.sees_person(person):
            raise rules.CaseworkError(_("No such person."))
        casework.repoint_case(pk, person, reason=d["reason"], actor=actor)

    return _act(request, pk, RepointForm, "repoint_form", do)


@require_POST
def determination_sign_off(request, determination_id: str):
    """A second person approves or refuses a determination; never the one who asked."""
    from reunify.models import Determination

    pk = object_key("determination", determination_id)
    case_pk = Determination.objects.values_list("case_id", flat=True).get(pk=pk)
    return _act(request, case_pk, SignOffForm, "sign_off_form", lambda d, actor: case_records
                .sign_off(pk, approve=d["decision"] == "approve", note=d["note"], actor=actor,
                          on=case_day(request)))


@require_POST
def case_open(request):
    """Open a case by hand for a child (a hotline call, a shelter's referral)."""
    form = OpenForm(request.POST)
    status, error = 400, ""
    if form.is_valid():
        person = object_key("person", form.cleaned_data["person"])
        if person is not None and request.access.sees_person(person):
            try:
                made = casework.open_case(person, actor=request.access.username,
                                          on=case_day(request),
                                          reason=form.cleaned_data["reason"])
                return redirect("case", case_id=made.public_id)
            except rules.CaseworkError as problem:
                error = str(problem)
        else:
            error = _("No such person.")
    return render(request, "reunify/cases.html", {
        "lines": [], "title": _("Open a case"), "as_of": case_day(request), "open_form": form,
        "error": error, "pending": []}, status=status)


def _outreach_lines(request, day: dt.date):
    from reunify.models import Case
    from reunify.queries.outreach import parents_abroad

    access = request.access
    cases = None if access.scope_all else Case.objects.filter(
        assigned_to_id=access.user_id, closed__isnull=True, opened__lte=day)
    return parents_abroad(day, cases=cases)


@require_GET
def cases_outreach(request):
    """Parents outside the country sought by open cases: not yet reached first, by country,
    each with their outreach history."""
    from reunify.queries.outreach import not_reached_by_country

    day = case_day(request)
    lines = _outreach_lines(request, day)
    log_reads(request, "person", [p for ln in lines for p in (ln.parent_id,
                                                             f"P{ln.case.person_id:07d}")])
    return render(request, "reunify/outreach.html", {
        "lines": lines, "by_country": not_reached_by_country(lines), "as_of": day})


@require_GET
def cases_outreach_csv(request):
    """The export for a partner NGO (parents not yet reached; names, phone, the child's first
    name and age only), recorded in the ledger like any other export."""
    import tempfile
    from pathlib import Path

    from django.http import FileResponse

    from reunify.actions.export import export_rows
    from reunify.queries.outreach import NGO_COLUMNS, ngo_rows

    day = case_day(request)
    allowed = {ln.case.public_id for ln in _outreach_lines(request, day)}
    rows = [r for r in ngo_rows(day) if r["case_id"] in allowed]
    log_reads(request, "case", [r["case_id"] for r in rows])
    folder = tempfile.mkdtemp(prefix="reunify-export-")
    out = Path(folder) / f"outreach-{day.isoformat()}.csv"
    export_rows("ngo_outreach", rows, NGO_COLUMNS, out, actor=request.access.username,
                params={"as_of": day.isoformat()})
    handle = out.open("rb")
    out.unlink()  # the open handle keeps the bytes; nothing personal stays on disk
    Path(folder).rmdir()
    return FileResponse(handle, as_attachment=True, filename=out.name, content_type="text/csv")
