"""What a user may see: the families and persons their assignments reach.

Read by the one enforcement point (``reunify.web.access``). Assignments name persons, so they
survive families being rebuilt: a family is reachable when it has an assigned member (or is the
family the assignment was made for).
"""

from __future__ import annotations

from django.db.models import Q

from reunify.models import Assignment, Family, FamilyMember, Identity, Person, RoleGrant
from reunify.queries.families import current_run


def role_grant(user_id: int | None) -> RoleGrant | None:
    """The user's role grant, or None (a user without one may do nothing)."""
    if user_id is None:
        return None
    return RoleGrant.objects.filter(user_id=user_id).first()


def assigned_family_ids(user_id: int) -> set[int]:
    """Families of the current run that the user is assigned, through a member or directly."""
    run = current_run()
    if run is None:
        return set()
    assignments = Assignment.objects.filter(user_id=user_id)
    persons = assignments.values("person_id")
    # An assignment made to a family of an earlier run follows the family's lasting number.
    direct = Family.objects.filter(
        pk__in=assignments.exclude(family=None).values("family_id")).values("number")
    return set(
        Family.objects.filter(run=run)
        .filter(Q(members__person_id__in=persons) | Q(number__in=direct))
        .values_list("pk", flat=True)
    )


def assigned_person_ids(user_id: int) -> set[int]:
    """Members of the user's assigned families, and the assigned persons themselves."""
    families = assigned_family_ids(user_id)
    people = set(
        FamilyMember.objects.filter(family_id__in=families).values_list("person_id", flat=True)
    )
    people.update(Assignment.objects.filter(user_id=user_id).values_list("person_id", flat=True))
    return people


def family_exists(family_pk: int) -> bool:
    """Whether a family of the current run has this key."""
    run = current_run()
    return run is not None and Family.objects.filter(pk=family_pk, run=run).exists()


def person_exists(person_pk: int) -> bool:
    """Whether a person with this key has at least one record."""
    return Person.objects.filter(pk=person_pk).exists() and Identity.objects.filter(
        person_id=person_pk
    ).exists()


def review_pair_exists(pair_pk: int) -> bool:
    """Whether a review pair has this key."""
    from reunify.models import ReviewPair

    return ReviewPair.objects.filter(pk=pair_pk).exists()


def user_exists(user_pk: int) -> bool:
    """Whether an account has this key."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_pk).exists()
