"""Signing in (password, then a one-time code where the role needs one), out, and passwords."""

from __future__ import annotations

import hmac
import math
import time

import pyotp
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

from reunify.actions.sign_in import settle_attempt, take_attempt
from reunify.actions.users import AccountError, change_password, record_sign_in
from reunify.models.field_crypto import unseal
from reunify.queries import scope
from reunify.rules.grants import SECOND_FACTOR_REQUIRED
from reunify.web.client import client_address


class SignInForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Account name"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput,
                               max_length=256)
    code = forms.CharField(label=gettext_lazy("One-time code (administrators and data stewards)"),
                           required=False, max_length=10)


class PasswordForm(forms.Form):
    current = forms.CharField(label=gettext_lazy("Current password"),
                              widget=forms.PasswordInput, max_length=256)
    new = forms.CharField(label=gettext_lazy("New password"), widget=forms.PasswordInput,
                          max_length=256)
    again = forms.CharField(label=gettext_lazy("New password again"),
                            widget=forms.PasswordInput, max_length=256)


def totp_step(secret: str, code: str, *, last_step: int, now: float | None = None) -> int:
    """The time step ``code`` is valid for (now ±1 step), if later than ``last_step``; else 0."""
    if not secret or not code or not code.strip().isdigit():
        return 0
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // totp.interval)
    for step in (current - 1, current, current + 1):
        expected = totp.generate_otp(step)
        if step > last_step and hmac.compare_digest(expected, code.strip()):
            return step
    return 0


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
    wait = take_attempt(username, address)
    if wait:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        response = _failed(request, ngettext(
            "Too many failed attempts. Try again in %(minutes)d minute.",
            "Too many failed attempts. Try again in %(minutes)d minutes.", minutes)
            % {"minutes": minutes}, 429)
        response["Retry-After"] = str(math.ceil(wait.total_seconds()))
        return response
    user = authenticate(request, username=username, password=form.cleaned_data["password"])
    step = 0
    ok = user is not None
    if ok:
        grant = scope.role_grant(user.pk)
        if grant is None:
            ok = False
        elif grant.role in SECOND_FACTOR_REQUIRED or grant.totp_secret:
            step = totp_step(unseal(grant.totp_secret), form.cleaned_data["code"],
                             last_step=grant.totp_last_step)
            ok = step > 0
    if ok:
        try:
            record_sign_in(user.pk, actor=user.get_username(), totp_step=step)
        except AccountError:
            ok = False
    settle_attempt(username, address, succeeded=ok)
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
