"""Enrolling a second factor: after a right password, an account without one is shown a fresh
secret as a QR code, proves its authenticator holds it with a code, and gets recovery codes.

Between the password and the code the session holds only the account's id and the secret
(encrypted), for ``ENROL_SECONDS``; the user is not signed in until the code is right.
"""

from __future__ import annotations

import time

import segno
from django import forms
from django.contrib.auth import get_user_model, login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from reunify.actions.second_factor import enrol as enrol_secret
from reunify.actions.users import AccountError, record_sign_in
from reunify.models.field_crypto import seal, unseal
from reunify.rules.second_factor import new_secret, provisioning_uri

_PENDING = "reunify_enrol"
ENROL_SECONDS = 10 * 60


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("One-time code from the authenticator"),
                           max_length=10,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "inputmode": "numeric"}))


def start_enrolment(request, user):
    """Hold a fresh secret for ``user`` in the session and send them to enrol it."""
    request.session.cycle_key()
    request.session[_PENDING] = {"user": user.pk, "secret": seal(new_secret()),
                                 "at": int(time.time())}
    return redirect("enrol")


def qr_svg(uri: str) -> str:
    """A QR code of ``uri`` as inline SVG."""
    # Inline SVG: no image request, nothing the content security policy has to allow.
    return segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code to scan"))


@require_http_methods(["GET", "POST"])
def enrol(request):
    """Show the secret (QR code and text); on a right code, enrol it and show recovery codes."""
    pending = request.session.get(_PENDING)
    if not pending or time.time() - pending.get("at", 0) > ENROL_SECONDS:
        request.session.pop(_PENDING, None)
        return redirect("sign_in")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        return redirect("sign_in")
    secret = unseal(pending["secret"])
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                codes = enrol_secret(user.pk, secret, form.cleaned_data["code"],
                                     actor=user.get_username())
            except AccountError as error:
                form = CodeForm({"code": ""})  # the code typed is not sent back
                form.is_valid()
                form.errors.clear()
                form.add_error(None, str(error))
            else:
                del request.session[_PENDING]
                record_sign_in(user.pk, actor=user.get_username(), method="enrolment")
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return render(request, "reunify/recovery_codes.html", {"codes": codes})
    return render(request, "reunify/enrol.html", {
        "form": form, "secret": secret, "username": user.get_username(),
        "qr": qr_svg(provisioning_uri(secret, user.get_username())),
    }, status=status)
