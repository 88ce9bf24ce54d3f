"""Accounts: create, set role, assign families, disable, change password, sign in.

Each change is one transaction with its ledger entry. Entries name users by account id
(``user:7``), never by name, and never carry a password or a TOTP secret.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.models import Assignment, Family, Person, RoleGrant, SignInFailure
from reunify.models.field_crypto import seal
from reunify.rules.grants import (
    ASSIGNABLE,
    CASEWORKER,
    COUNSEL,
    MONITOR,
    ROLES,
    SECOND_FACTOR_REQUIRED,
)
from reunify.rules.second_factor import new_secret
from reunify.rules.throttle import account_hash


class AccountError(ValueError):
    """A change to an account that cannot be made (unknown role, weak password, …)."""


def _subject(user) -> str:
    return f"user:{user.pk}"


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")


def create_user(
    username: str, password: str, role: str, *, actor: str, names_allowed: bool = False
):
    """Create an account holding ``role``; returns ``(user, totp_secret)``.

    Roles that need a second factor get a fresh TOTP secret (returned once, to be enrolled in
    an authenticator); others get ``""``.
    """
    _check_role(role)
    User = get_user_model()
    username = username.strip()
    if not username:
        raise AccountError("an account needs a name")
    with in_transaction():
        if User.objects.filter(username__iexact=username).exists():
            raise AccountError("an account of that name exists")
        user = User(username=username)
        try:
            validate_password(password, user)
        except Exception as error:  # ValidationError carries the validators' messages
            raise AccountError("; ".join(getattr(error, "messages", [str(error)]))) from error
        user.set_password(password)
        user.save()
        secret = new_secret() if role in SECOND_FACTOR_REQUIRED else ""
        RoleGrant.objects.create(user=user, role=role, names_allowed=names_allowed,
                                 totp_secret=seal(secret))
        append_entry(actor=actor, type="user.created", subjects=[_subject(user)],
                     payload={"role": role, "names_allowed": names_allowed,
                              "second_factor": bool(secret)})
    return user, secret


def set_role(user_id: int, role: str, *, actor: str, names_allowed: bool = False) -> str:
    """Give a user a new role. The second factor is left as it is: a role change never makes a
    secret (one nobody was shown would lock the account out); an account without one enrols
    at its next sign-in. Returns "" (kept for callers that printed a secret)."""
    _check_role(role)
    with in_transaction():
        grant = RoleGrant.objects.select_for_update().get(user_id=user_id)
        secret = ""
        grant.role = role
        grant.names_allowed = names_allowed and role == MONITOR
        grant.save()
        append_entry(actor=actor, type="user.role_set", subjects=[f"user:{user_id}"],
                     payload={"role": role, "names_allowed": grant.names_allowed})
    return secret


def assign(user_id: int, person_id: int, *, actor: str) -> Assignment:
    """Let a caseworker or counsel see the families ``person_id`` belongs to."""
    with in_transaction():
        grant = RoleGrant.objects.get(user_id=user_id)
        if grant.role not in ASSIGNABLE:
            raise AccountError(f"a {grant.role} is not assigned families")
        person = Person.objects.get(pk=person_id)
        family = (
            Family.objects.filter(members__person=person).order_by("-run_id", "-pk").first()
        )
        assignment, created = Assignment.objects.get_or_create(
            user_id=user_id, person=person,
            defaults={"family": family, "granted_by": actor, "granted_at": timezone.now()},
        )
        if created:
            append_entry(actor=actor, type="user.assigned",
                         subjects=[f"user:{user_id}", person.public_id],
                         payload={"family": family.public_id if family else ""})
    return assignment


def unassign(user_id: int, person_id: int, *, actor: str) -> int:
    """Withdraw an assignment; returns how many were withdrawn (0 or 1)."""
    with in_transaction():
        deleted, _ = Assignment.objects.filter(user_id=user_id, person_id=person_id).delete()
        if deleted:
            append_entry(actor=actor, type="user.unassigned",
                         subjects=[f"user:{user_id}", f"P{person_id:07d}"], payload={})
    return deleted


def disable_user(user_id: int, *, actor: str) -> None:
    """Disable an account: it can no longer sign in, and its open sessions stop working."""
    User = get_user_model()
    with in_transaction():
        user = User.objects.select_for_update().get(pk=user_id)
        user.is_active = False
        # A new password hash changes the session hash, so every open session is refused too.
        user.set_unusable_password()
        user.save()
        append_entry(actor=actor, type="user.disabled", subjects=[_subject(user)], payload={})


def change_password(user_id: int, new_password: str, *, actor: str) -> None:
    """Set a new password (checked against the validators); other sessions stop working."""
    User = get_user_model()
    with in_transaction():
        user = User.objects.select_for_update().get(pk=user_id)
        try:
            validate_password(new_password, user)
        except Exception as error:
            raise AccountError("; ".join(getattr(error, "messages", [str(error)]))) from error
        user.set_password(new_password)
        user.save()
        append_entry(actor=actor, type="user.password_changed", subjects=[_subject(user)],
                     payload={})


def record_sign_in(user_id: int, *, actor: str, totp_step: int = 0, method: str = "") -> None:
    """Note a successful sign-in and burn the TOTP step used, so its code is never reused;
    ``method`` says how the second factor was given (one-time code, recovery code, enrolment)."""
    with in_transaction():
        if totp_step:
            grant = RoleGrant.objects.select_for_update().get(user_id=user_id)
            if totp_step <= grant.totp_last_step:
                raise AccountError("that one-time code was used already")
            grant.totp_last_step = totp_step
            grant.save(update_fields=["totp_last_step"])
        append_entry(actor=actor, type="user.signed_in", subjects=[f"user:{user_id}"],
                     payload={"second_factor": bool(totp_step or method),
                              **({"method": method} if method else {})})


def record_sign_in_failure(username: str, address: str, *, actor: str) -> None:
    """Count a failed sign-in against the name typed and the address it came from.

    Not a ledger entry: a failure changes no state of the record, and an attacker must not be
    able to grow the ledger at will.
    """
    with in_transaction():
        SignInFailure.objects.create(at=timezone.now(), account_hash=account_hash(username),
                                     address=address[:64])


@dataclass(frozen=True)
class DemoUser:
    """A demonstration account, its password and (for roles that need one) its TOTP secret."""

    username: str
    role: str
    password: str
    totp_secret: str
    assigned: tuple[str, ...]


def create_demo_users(*, actor: str, families_each: int = 3) -> list[DemoUser]:
    """Create one account per role (development only), assigning caseworker and counsel
    ``families_each`` families each, separated ones first, and no family to both.

    Accounts that exist already are left as they are (their password is not shown again).
    """
    User = get_user_model()
    made: list[DemoUser] = []
    candidates = _demo_family_people(families_each * 2)
    for role in ROLES:
        username = f"demo-{role.replace('_', '-')}"
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(12)
        user, secret = create_user(username, password, role, actor=actor,
                                   names_allowed=role == MONITOR)
        assigned: list[str] = []
        if role in (CASEWORKER, COUNSEL):
            offset = 0 if role == CASEWORKER else families_each
            for person_id, family_public in candidates[offset:offset + families_each]:
                assign(user.pk, person_id, actor=actor)
                assigned.append(family_public)
        made.append(DemoUser(username, role, password, secret, tuple(assigned)))
    return made


def _demo_family_people(count: int) -> list[tuple[int, str]]:
    """(a child's person id, family id) for up to ``count`` families of the latest run."""
    latest = Family.objects.order_by("-run_id").values_list("run_id", flat=True).first()
    if latest is None:
        return []
    rows = (
        Family.objects.filter(run_id=latest, members__role="child")
        .order_by("number")
        .values_list("number", "members__person_id")
    )
    seen: dict[int, int] = {}
    for family_id, person_id in rows:
        seen.setdefault(family_id, person_id)
        if len(seen) >= count:
            break
    return [(person_id, f"F{family_id:07d}") for family_id, person_id in seen.items()]
