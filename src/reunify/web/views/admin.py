"""Ingest by upload, the ledger, and accounts (administrators)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reunify.actions.second_factor import approve_reset, request_reset
from reunify.actions.users import AccountError, assign, create_user, disable_user, set_role
from reunify.models import Assignment, SecondFactorReset
from reunify.queries.ledger_page import ledger_page
from reunify.rules.grants import ROLES
from reunify.rules.second_factor import provisioning_uri
from reunify.web.access import object_key
from reunify.web.views.enrolment import qr_svg

MAX_UPLOAD_FILES = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(label=gettext_lazy("Files of one batch (CSV or JSONL)"),
                              required=False)

    def clean_files(self):
        """At least one file, at most ``MAX_UPLOAD_FILES``, no two with one name (the second
        would overwrite the first)."""
        files = [f for f in self.cleaned_data.get("files") or [] if f]
        if not files:
            raise forms.ValidationError(_("Choose at least one file."))
        if len(files) > MAX_UPLOAD_FILES:
            raise forms.ValidationError(
                _("At most %(most)d files at a time; %(count)d were sent.")
                % {"most": MAX_UPLOAD_FILES, "count": len(files)})
        seen: set[str] = set()
        for upload in files:
            name = Path(upload.name).name
            if name in seen:
                raise forms.ValidationError(
                    _("Two files are named %(name)s: each file of a batch needs its own name.")
                    % {"name": name})
            seen.add(name)
        return files


@require_http_methods(["GET", "POST"])
def ingest(request):
    """Upload a batch; show the validation report, or what was ingested."""
    from reunify.actions.ingest import BatchRejected, ingest_paths

    # Bound on every POST, even an empty one, so that "no file" is said rather than ignored.
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    report = problems = None
    more = 0
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            with tempfile.TemporaryDirectory(prefix="reunify-upload-") as folder:
                paths = []
                for upload in form.cleaned_data["files"]:
                    # Only the base name is kept: an upload cannot write outside the folder.
                    target = Path(folder) / Path(upload.name).name
                    with target.open("wb") as out:
                        for chunk in upload.chunks():
                            out.write(chunk)
                    paths.append(target)
                try:
                    report = ingest_paths(paths, actor=request.access.username)
                    status = 200
                except BatchRejected as rejected:
                    problems, more = list(rejected.problems), rejected.more
                    status = 422
    return render(request, "reunify/ingest.html",
                  {"form": form, "report": report, "problems": problems, "more": more},
                  status=status)


@require_GET
def ledger(request):
    """The ledger: its latest entries and whether it verifies."""
    return render(request, "reunify/ledger.html", {"ledger": ledger_page()})


class UserForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Account name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput,
                               max_length=256)
    # No default: a role is chosen, never preselected (least of all administrator).
    role = forms.ChoiceField(label=gettext_lazy("Role"),
                             choices=[("", "—")] + [(r, r) for r in ROLES])
    names_allowed = forms.BooleanField(label=gettext_lazy("Court order allows names (monitors)"),
                                       required=False)


class ChangeForm(forms.Form):
    what = forms.ChoiceField(choices=[("role", "role"), ("assign", "assign"),
                                      ("disable", "disable"), ("reset_request", "reset_request"),
                                      ("reset_approve", "reset_approve")])
    role = forms.ChoiceField(label=gettext_lazy("Role"),
                             choices=[("", "—")] + [(r, r) for r in ROLES], required=False)
    names_allowed = forms.BooleanField(label=gettext_lazy("Court order allows names (monitors)"),
                                       required=False)
    person = forms.RegexField(label=gettext_lazy("Person id (P0000123)"), regex=r"^P\d{7,12}$",
                              required=False)


def _accounts():
    User = get_user_model()
    return User.objects.select_related("role_grant").order_by("pk")


@require_GET
def users(request):
    """Every account, its role and whether it is active."""
    return render(request, "reunify/users.html", {"accounts": _accounts(), "form": UserForm()})


@require_POST
def user_create(request):
    """Create an account; the one-time-code secret, if any, is shown once."""
    form = UserForm(request.POST)
    secret = qr = None
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            user, secret = create_user(data["username"], data["password"], data["role"],
                                       actor=request.access.username,
                                       names_allowed=data["names_allowed"])
            qr = qr_svg(provisioning_uri(secret, user.get_username())) if secret else None
            status = 201
            form = UserForm()
        except AccountError as error:
            form.add_error(None, str(error))
    return render(request, "reunify/users.html",
                  {"accounts": _accounts(), "form": form, "secret": secret, "qr": qr},
                  status=status)


@require_GET
def user_detail(request, user_id: str):
    """One account: role, assignments, and (for administrators) the changes one can make."""
    account = _accounts().get(pk=object_key("user", user_id))
    return render(request, "reunify/user.html", _account_page(account, ChangeForm()))


def _account_page(account, form, **more) -> dict:
    return {"account": account, "form": form,
            "assignments": Assignment.objects.filter(user=account).order_by("person_id"),
            "reset": SecondFactorReset.objects.filter(user=account, approved_at__isnull=True)
            .first(), **more}


@require_POST
def user_change(request, user_id: str):
    """Set a role, assign a family (by a member's person id), or disable the account."""
    pk = object_key("user", user_id)
    form = ChangeForm(request.POST)
    actor = request.access.username
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["what"] == "role" and data["role"]:
                set_role(pk, data["role"], actor=actor, names_allowed=data["names_allowed"])
            elif data["what"] == "assign" and data["person"]:
                assign(pk, object_key("person", data["person"]), actor=actor)
            elif data["what"] == "disable":
                disable_user(pk, actor=actor)
            elif data["what"] == "reset_request":
                request_reset(pk, actor=actor)
            elif data["what"] == "reset_approve":
                approve_reset(pk, actor=actor)
            else:
                error = "incomplete"
        except (AccountError, ObjectDoesNotExist, ValueError) as failure:
            error = str(failure)
    else:
        error = "invalid"
    if error is None:
        return redirect("user_detail", user_id=pk)
    account = _accounts().get(pk=pk)
    return render(request, "reunify/user.html", _account_page(account, form, error=error),
                  status=400)
