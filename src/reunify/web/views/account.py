"""Signing in (password, then a one-time code where the role needs one), out, and passwords."""

from __future__ import annotations

import math

from django import forms
from django.contrib.auth import (
    authenticate,
    get_user_model,
    login,
    logout,
    update_session_auth_hash,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from reunify.actions.second_factor import use_recovery_code
from reunify.actions.sign_in import settle_attempt, take_attempt
from reunify.actions.users import AccountError, change_password, record_sign_in
from reunify.models.field_crypto import unseal
from reunify.queries import scope
from reunify.rules.grants import SECOND_FACTOR_REQUIRED
from reunify.rules.second_factor import is_recovery_code, totp_step
from reunify.web.client import client_address
from reunify.web.views.enrolment import start_enrolment


class SignInForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Account name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput,
                               max_length=256)
    code = forms.CharField(label=gettext_lazy("One-time code (or a recovery code)"),
                           required=False, max_length=16,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "inputmode": "numeric"}))


class PasswordForm(forms.Form):
    current = forms.CharField(label=gettext_lazy("Current password"),
                              widget=forms.PasswordInput, max_length=256)
    new = forms.CharField(label=gettext_lazy("New password"), widget=forms.PasswordInput,
                          max_length=256)
    again = forms.CharField(label=gettext_lazy("New password again"),
                            widget=forms.PasswordInput, max_length=256)


def _failed(request, message: str, status: int):
    """The sign-in page again, saying ``message``: the account name is kept, the password and
    the one-time code are never sent back."""
    data = request.POST.copy()
    data["password"] = ""
    data["code"] = ""
    form = SignInForm(data)
    form.is_valid()
    form.errors.clear()
    form.add_error(None, message)
    return render(request, "reunify/sign_in.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def sign_in(request):
    """The sign-in page. Every failure says the same thing, whatever was wrong."""
    form = SignInForm(request.POST or None)
    if request.method != "POST":
        return render(request, "reunify/sign_in.html", {"form": form})
    failed = _("Sign-in failed. Check the account name, password and one-time code.")
    if not form.is_valid():
        return _failed(request, failed, 400)
    username = form.cleaned_data["username"]
    address = client_address(request)
    wait = take_attempt(username, address, actor="sign-in")
    if wait:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        response = _failed(request, ngettext(
            "Too many failed attempts. Try again in %(minutes)d minute.",
            "Too many failed attempts. Try again in %(minutes)d minutes.", minutes)
            % {"minutes": minutes}, 429)
        response["Retry-After"] = str(math.ceil(wait.total_seconds()))
        return response
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    grant = scope.role_grant(user.pk) if user is not None else None
    if grant is not None and not grant.totp_secret and grant.role in SECOND_FACTOR_REQUIRED:
        # The password is right and the account has no second factor yet (made before every
        # role needed one, or reset by two administrators): it enrols one before going on.
        settle_attempt(username, address, succeeded=True, actor="sign-in")
        return start_enrolment(request, user)
    step, method, ok = 0, "", grant is not None
    if ok and grant.totp_secret:
        code = form.cleaned_data["code"]
        if is_recovery_code(code):
            ok = use_recovery_code(user.pk, code, actor=user.get_username())
            method = "recovery code"
        else:
            step = totp_step(unseal(grant.totp_secret), code, last_step=grant.totp_last_step)
            ok, method = step > 0, "one-time code"
    if ok:
        try:
            record_sign_in(user.pk, actor=user.get_username(), totp_step=step, method=method)
        except AccountError:
            ok = False
    settle_attempt(username, address, succeeded=ok, actor="sign-in")
    if not ok:
        return _failed(request, failed, 400)
    # login() gives the session a new key: a session id planted before sign-in is useless.
    login(request, user)
    return redirect("home")


@require_POST
def sign_out(request):
    """Sign out: the session is deleted on the server, not only forgotten by the browser."""
    logout(request)
    return redirect("sign_in")


@require_http_methods(["GET", "POST"])
def password(request):
    """Change one's own password; every other session of the account stops working."""
    form = PasswordForm(request.POST or None)
    done = False
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            user = request.user
            data = form.cleaned_data
            if not user.check_password(data["current"]):
                form.add_error("current", _("That is not the current password."))
            elif data["new"] != data["again"]:
                form.add_error("again", _("The two new passwords differ."))
            else:
                try:
                    change_password(user.pk, data["new"], actor=user.get_username())
                except AccountError as error:
                    form.add_error("new", str(error))
                else:
                    fresh = get_user_model().objects.get(pk=user.pk)
                    update_session_auth_hash(request, fresh)
                    done, status = True, 200
                    form = PasswordForm()
    return render(request, "reunify/password.html", {"form": form, "done": done},
                  status=status)
