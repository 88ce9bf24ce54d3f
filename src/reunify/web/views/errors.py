"""Error answers: the site's own pages, and JSON for the API (never Django's bare pages).

``handler400`` … ``handler500`` (``reunify.urls``) and ``CSRF_FAILURE_VIEW`` point here. An
error for a path under ``/api/`` is answered ``{"detail": …}`` like every other API error.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIX = "/api/"

_DETAIL = {
    400: "bad request",
    403: "not allowed",
    404: "not found",
    413: "request body too large",
    500: "server error",
}


def _answer(request, status: int, title: str, message: str, *, detail: str | None = None):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail or _DETAIL[status]}, status=status)
    return render(request, "reunify/error.html", {"title": title, "message": message},
                  status=status)


def bad_request(request, exception=None):
    """400: what reached the server could not be read (an oversized body, a bad header)."""
    too_big = exception is not None and type(exception).__name__ in {
        "RequestDataTooBig", "TooManyFieldsSent", "TooManyFilesSent"}
    if too_big:
        return _answer(request, 400, _("Too large"),
                       _("The request was larger than the server accepts."),
                       detail=_DETAIL[413])
    if isinstance(exception, BadRequest) and str(exception):
        # Raised by our views with what was wrong (an unknown filter, a day out of range):
        # said to the user, who can mend the address.
        return _answer(request, 400, _("Bad request"), str(exception), detail=str(exception))
    return _answer(request, 400, _("Bad request"), _("The request could not be read."))


def permission_denied(request, exception=None):
    """403."""
    return _answer(request, 403, _("Not allowed"), _("Your role does not allow this."))


def not_found(request, exception=None):
    """404: the same answer whether the thing does not exist or may not be seen."""
    return _answer(request, 404, _("Not found"), _("There is nothing here."))


def server_error(request):
    """500: nothing of the failure is shown."""
    return _answer(request, 500, _("Server error"),
                   _("Something went wrong on the server. Nothing was changed."))


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (an expired page, or another site posting)."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "CSRF check failed"}, status=403)
    return render(request, "reunify/error.html", {
        "title": _("Form expired"),
        "message": _("This form was sent without a valid security token. Go back, reload the "
                     "page and send it again."),
    }, status=403)
