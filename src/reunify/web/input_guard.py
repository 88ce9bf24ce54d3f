"""Requests carrying a NUL character are refused before any view or query sees them.

No value of reunify's contains a NUL (ingest refuses it, docs/ingest.md), and PostgreSQL
cannot even hold one in a text parameter: a NUL in a filter or search would otherwise reach
the database as a server error on PostgreSQL and a silent miss on SQLite.
"""

from __future__ import annotations

from django.http import HttpResponse

from reunify.web.views.errors import bad_request

_NUL = "\x00"


class RefuseNulMiddleware:
    """400 for a request whose path, query or form fields hold a NUL (the site's error page,
    JSON under /api/)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request) -> HttpResponse:
        if _holds_nul(request):
            return bad_request(request)
        return self.get_response(request)


def _holds_nul(request) -> bool:
    if _NUL in request.path_info:
        return True
    for values in request.GET.lists():
        if any(_NUL in v for v in (values[0], *values[1])):
            return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):
        for key, values in request.POST.lists():
            if _NUL in key or any(_NUL in v for v in values):
                return True
    elif request.content_type == "application/json" and b"\\u0000" in request.body:
        return True
    return False
