"""Sign-in protection: throttle counters, recovery codes, and second-factor resets."""

from django.conf import settings
from django.db import models


class SignInCounter(models.Model):
    """Failed (or still undecided) sign-ins counted under one key, locked row by row.

    A key is an address (``address:203.0.113.9``) or an account name and address together
    (``pair:<sha256>``). A sign-in attempt takes a place on its counters *before* the password
    is checked, in one transaction holding the row lock, so concurrent guesses cannot all pass a
    check made before any of them was counted.
    """

    key = models.CharField(max_length=100, unique=True)
    failures = models.IntegerField(default=0)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        db_table = "reunify_sign_in_counter"


class RecoveryCode(models.Model):
    """A one-use code that signs in instead of a one-time code; only its hash is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reunify_recovery_code"
        indexes = [models.Index(fields=["user", "code_hash"])]


class SecondFactorReset(models.Model):
    """An administrator's request to clear a user's second factor; another one approves it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    requested_by = models.CharField(max_length=200)
    requested_at = models.DateTimeField()
    approved_by = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reunify_second_factor_reset"
