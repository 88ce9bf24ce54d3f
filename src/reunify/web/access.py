"""The one enforcement point of access, for pages and the API alike.

``AccessMiddleware`` runs before every view: it finds the route's rule in
``reunify.web.routes.ROUTES`` (no rule: the route does not exist), checks the user's role
carries the permission (``reunify.rules.grants``), and checks the user may see every object the
URL names (``visible``). An object one may not see answers 404 exactly as one that does not
exist. Any error while deciding denies. Views receive ``request.access``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from reunify.actions.access import record_reads
from reunify.queries import scope
from reunify.queries.families import current_family_pk, family_public_id, moved_to
from reunify.rules import grants as g
from reunify.web.routes import OBJECT_KWARGS, PUBLIC, ROUTES

log = logging.getLogger(__name__)

_PUBLIC_ID = {"family": re.compile(r"^F(\d{7,12})$"), "person": re.compile(r"^P(\d{7,12})$")}
_NUMBER = re.compile(r"^\d{1,12}$")


@dataclass
class Access:
    """Who is asking and what they may do; anonymous users may do nothing."""

    user_id: int | None = None
    username: str = ""
    role: str = ""
    names_allowed: bool = False
    permissions: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, user) -> Access:
        """The access of a (possibly anonymous) user; a user without a role grant gets none."""
        if user is None or not user.is_authenticated or not user.is_active:
            return cls()
        grant = scope.role_grant(user.pk)
        if grant is None or grant.role not in g.GRANTS:
            return cls(user_id=user.pk, username=user.get_username())
        return cls(
            user_id=user.pk, username=user.get_username(), role=grant.role,
            names_allowed=grant.names_allowed,
            permissions=g.permissions_of(grant.role, names_allowed=grant.names_allowed),
        )

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    def may(self, permission: str) -> bool:
        """Whether this user's role carries ``permission``."""
        return permission in self.permissions

    @property
    def names(self) -> bool:
        """Whether names of people may be shown to this user."""
        return self.may(g.NAMES_READ)

    @property
    def scope_all(self) -> bool:
        return self.may(g.SCOPE_ALL)

    @cached_property
    def family_ids(self) -> set[int] | None:
        """Families this user may see; None means all."""
        if self.scope_all:
            return None
        return scope.assigned_family_ids(self.user_id) if self.user_id else set()

    @cached_property
    def person_ids(self) -> set[int] | None:
        """Persons this user may see; None means all."""
        if self.scope_all:
            return None
        return scope.assigned_person_ids(self.user_id) if self.user_id else set()

    def sees_family(self, pk: int) -> bool:
        ids = self.family_ids
        return scope.family_exists(pk) and (ids is None or pk in ids)

    def sees_person(self, pk: int) -> bool:
        ids = self.person_ids
        return scope.person_exists(pk) and (ids is None or pk in ids)


def object_key(kind: str, value: object) -> int | None:
    """The store key an opaque URL id names (``P0000045`` → 45; a family's id names its
    lasting number, ``F0000045`` → the current family numbered 45), or None if malformed or
    not current."""
    text = str(value)
    pattern = _PUBLIC_ID.get(kind)
    if pattern is not None:
        match = pattern.match(text)
        if match is None:
            return None
        if kind == "family":
            return current_family_pk(int(match.group(1)))
        return int(match.group(1))
    return int(text) if _NUMBER.match(text) else None


def family_moved_to(access: Access, value: object) -> list[str]:
    """For a family id that is no longer current: the ids its members went to that this
    user may see (empty otherwise)."""
    match = _PUBLIC_ID["family"].match(str(value))
    if match is None:
        return []
    found = []
    for number in moved_to(int(match.group(1))):
        pk = current_family_pk(number)
        if pk is not None and visible(access, "family", pk):
            found.append(family_public_id(number))
    return found


def visible(access: Access, kind: str, pk: int) -> bool:
    """The object-level check: may this user see object ``pk`` of ``kind``?"""
    if kind == "family":
        return access.sees_family(pk)
    if kind == "person":
        return access.sees_person(pk)
    if kind == "review_pair":
        return access.may(g.REVIEW_READ) and scope.review_pair_exists(pk)
    if kind == "user":
        return access.may(g.USERS_READ) and scope.user_exists(pk)
    return False


def log_reads(request, what: str, object_ids) -> None:
    """Log that the requester read these objects (person ids, …); fails the request if it can't."""
    access: Access = request.access
    record_reads(what, object_ids, actor=access.username or "anonymous", role=access.role,
                 route=_route_name(request))


def _route_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else request.path_info[:200]


def _is_api(name: str) -> bool:
    return name.startswith("api:")


def _denied(request, name: str, status: int) -> HttpResponse:
    if _is_api(name):
        detail = {401: "not signed in", 403: "not allowed", 404: "not found"}[status]
        return JsonResponse({"detail": detail}, status=status)
    if status == 401:
        return redirect("sign_in")
    template = "reunify/not_found.html" if status == 404 else "reunify/denied.html"
    return render(request, template, status=status)


def _moved(request, name: str, old: str, moved: list[str]) -> HttpResponse:
    """An old family id: where its members went (a redirect when to one family)."""
    if _is_api(name):
        return JsonResponse({"detail": "this family id is no longer current", "family_id": old,
                             "moved_to": moved}, status=410)
    if len(moved) == 1:
        return redirect("family", family_id=moved[0])
    return render(request, "reunify/family_moved.html", {"old": old, "moved": moved},
                  status=410)


#: Where a session keeps when its user was last seen (seconds since the epoch).
_SEEN = "reunify_seen"
#: A session is written back at most this often just to say its user is still there.
TOUCH_SECONDS = 60


def end_idle_session(request) -> None:
    """Sign out a session idle longer than ``SESSION_COOKIE_AGE``; otherwise note the user as
    seen, writing the session (and so pushing its server-side expiry) at most once a minute
    rather than on every request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    now = int(time.time())
    seen = request.session.get(_SEEN)
    if seen is not None and now - seen > settings.SESSION_COOKIE_AGE:
        logout(request)
        return
    if seen is None or now - seen >= TOUCH_SECONDS:
        request.session[_SEEN] = now


class AccessMiddleware:
    """Decides, before each view, whether the request may reach it (see module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.access = Access()
        response = self.get_response(request)
        access = request.access
        if access.role in g.EVERY_READ_LOGGED and response.status_code < 400:
            # An auditor's every read is itself logged; if it cannot be, nothing is served.
            try:
                match = getattr(request, "resolver_match", None)
                target = ",".join(f"{k}={v}" for k, v in sorted((match.kwargs or {}).items())) \
                    if match else ""
                log_reads(request, "route", [target or "-"])
            except Exception:
                log.exception("could not log an auditor's read")
                return HttpResponse(_("Service unavailable."), status=503)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        name = _route_name(request)
        try:
            return self._decide(request, name, view_kwargs)
        except Exception:
            log.exception("access decision failed; denying")
            try:
                return _denied(request, name, 403)
            except Exception:
                return HttpResponse(status=403)

    def _decide(self, request, name: str, kwargs: dict):
        rule = ROUTES.get(name)
        if rule is None:
            return _denied(request, name, 404)
        end_idle_session(request)
        request.access = access = Access.of(getattr(request, "user", None))
        if rule.permission == PUBLIC:
            return None
        if not access.signed_in:
            return _denied(request, name, 401)
        if not access.may(rule.permission):
            return _denied(request, name, 403)
        for keyword, kind in OBJECT_KWARGS.items():
            if keyword not in kwargs:
                continue
            pk = object_key(kind, kwargs[keyword])
            if pk is None and kind == "family" and (
                moved := family_moved_to(access, kwargs[keyword])
            ):
                return _moved(request, name, kwargs[keyword], moved)
            if pk is None or not visible(access, kind, pk):
                return _denied(request, name, 404)
        return None


class ResponseHeadersMiddleware:
    """Headers every response carries: nothing cached, a strict content security policy."""

    CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
           "object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        response.setdefault("Content-Security-Policy", self.CSP)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Static files are answered by WhiteNoise before the framing middleware runs.
        response.setdefault("X-Frame-Options", "DENY")
        return response
