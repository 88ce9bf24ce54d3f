"""Who may see what: a user's role, their assignments to families, and the log of reads."""

from django.conf import settings
from django.db import models

from reunify.models.family import Family


class RoleGrant(models.Model):
    """The one role a user holds (see ``reunify.rules.grants.GRANTS``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="role_grant")
    role = models.CharField(max_length=32)
    #: For monitors: whether the court order lets them see names.
    names_allowed = models.BooleanField(default=False)
    #: The TOTP secret, encrypted (Fernet, key REUNIFY_FIELD_KEY); "" until enrolled.
    totp_secret = models.CharField(max_length=255, blank=True)
    #: The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step = models.BigIntegerField(default=0)

    class Meta:
        db_table = "reunify_role_grant"


class Assignment(models.Model):
    """A caseworker's case or counsel's client: which families a user may see.

    Keyed by a member person so that an assignment survives families being rebuilt.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="assignments")
    person = models.ForeignKey("reunify.Person", on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(Family, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    granted_by = models.CharField(max_length=200)
    granted_at = models.DateTimeField()

    class Meta:
        db_table = "reunify_assignment"
        constraints = [
            models.UniqueConstraint(fields=["user", "person"], name="assignment_unique"),
        ]


class AccessLog(models.Model):
    """Every read of a person's record: who, when, what."""

    at = models.DateTimeField()
    user = models.CharField(max_length=200)
    role = models.CharField(max_length=32)
    what = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    route = models.CharField(max_length=200)

    class Meta:
        db_table = "reunify_access_log"
        indexes = [models.Index(fields=["user", "at"])]


class SignInFailure(models.Model):
    """A failed sign-in, kept as a record of guessing (the throttle counts in
    ``SignInCounter``). The account name is kept only as a hash."""

    at = models.DateTimeField()
    #: sha256 of the lower-cased account name as typed (whether or not such an account exists).
    account_hash = models.CharField(max_length=64)
    address = models.CharField(max_length=64)

    class Meta:
        db_table = "reunify_sign_in_failure"
        indexes = [models.Index(fields=["account_hash", "at"]),
                   models.Index(fields=["address", "at"])]
