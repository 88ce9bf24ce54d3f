"""The second factor of an account: enrolment, recovery codes, and a reset two administrators
make together (one asks, another approves). Secrets are stored encrypted
(``reunify.models.field_crypto``), recovery codes as keyed hashes; neither is ever in the ledger.
"""

from __future__ import annotations

from django.utils import timezone

from reunify.actions.ledger import append_entry, in_transaction
from reunify.actions.users import AccountError
from reunify.models import RecoveryCode, RoleGrant, SecondFactorReset
from reunify.models.field_crypto import field_keys, seal
from reunify.rules import second_factor as factor


def _hashes(code: str) -> list[str]:
    # Every key in force: a code made before a key rotation still works.
    return [factor.recovery_hash(code, key.encode("ascii")) for key in field_keys()]


def enrol(user_id: int, secret: str, code: str, *, actor: str) -> list[str]:
    """Enrol ``secret`` for an account that has none, once ``code`` proves the authenticator
    holds it; returns fresh recovery codes (shown once, kept as hashes)."""
    with in_transaction():
        grant = RoleGrant.objects.select_for_update().get(user_id=user_id)
        if grant.totp_secret:
            raise AccountError("this account has a second factor already")
        step = factor.totp_step(secret, code, last_step=grant.totp_last_step)
        if not step:
            raise AccountError("that one-time code is not right for this secret")
        grant.totp_secret = seal(secret)
        grant.totp_last_step = step
        grant.save(update_fields=["totp_secret", "totp_last_step"])
        codes = factor.new_recovery_codes()
        RecoveryCode.objects.filter(user_id=user_id).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user_id=user_id, code_hash=_hashes(c)[0]) for c in codes)
        append_entry(actor=actor, type="user.second_factor_enrolled",
                     subjects=[f"user:{user_id}"], payload={"recovery_codes": len(codes)})
    return codes


def use_recovery_code(user_id: int, code: str, *, actor: str) -> bool:
    """Spend one recovery code of the account; whether it was a valid, unused one."""
    if not factor.is_recovery_code(code):
        return False
    with in_transaction():
        found = (RecoveryCode.objects.select_for_update()
                 .filter(user_id=user_id, used_at__isnull=True, code_hash__in=_hashes(code))
                 .first())
        if found is None:
            return False
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        left = RecoveryCode.objects.filter(user_id=user_id, used_at__isnull=True).count()
        append_entry(actor=actor, type="user.recovery_code_used", subjects=[f"user:{user_id}"],
                     payload={"left": left})
    return True


def request_reset(user_id: int, *, actor: str) -> SecondFactorReset:
    """An administrator asks that the account's second factor be cleared (it enrols again at
    its next sign-in); nothing changes until another administrator approves."""
    with in_transaction():
        RoleGrant.objects.get(user_id=user_id)
        pending = SecondFactorReset.objects.filter(user_id=user_id, approved_at__isnull=True)
        reset = pending.first()
        if reset is None:
            reset = SecondFactorReset.objects.create(user_id=user_id, requested_by=actor,
                                                     requested_at=timezone.now())
            append_entry(actor=actor, type="user.second_factor_reset_requested",
                         subjects=[f"user:{user_id}"], payload={"reset": reset.pk})
    return reset


def approve_reset(user_id: int, *, actor: str) -> None:
    """A second administrator approves the pending reset: the secret, its last step and the
    recovery codes are cleared. The one who asked cannot approve."""
    with in_transaction():
        reset = (SecondFactorReset.objects.select_for_update()
                 .filter(user_id=user_id, approved_at__isnull=True).first())
        if reset is None:
            raise AccountError("no second-factor reset has been asked for this account")
        if reset.requested_by == actor:
            raise AccountError("another administrator must approve a reset one asked for")
        reset.approved_by, reset.approved_at = actor, timezone.now()
        reset.save(update_fields=["approved_by", "approved_at"])
        RoleGrant.objects.filter(user_id=user_id).update(totp_secret="", totp_last_step=0)
        RecoveryCode.objects.filter(user_id=user_id).delete()
        append_entry(actor=actor, type="user.second_factor_reset", subjects=[f"user:{user_id}"],
                     payload={"reset": reset.pk})
