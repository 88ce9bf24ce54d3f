"""Who may see what: a user's role, their assignments to families, and the log of reads.

The access log is append-only in the database, as the ledger is: triggers refuse every UPDATE,
and every DELETE of a row logged at or after the prune horizon (the latest ``AccessPrune``,
itself append-only and recorded in the ledger by ``reunify prune``).
"""

from django.conf import settings
from django.db import models
from django.db.models.signals import post_migrate
from django.dispatch import receiver

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
    """Every read of a person's record, and every read refused: who, when, what, how."""

    READ, DENIED = "read", "denied"

    at = models.DateTimeField()
    user = models.CharField(max_length=200)
    role = models.CharField(max_length=32)
    what = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    route = models.CharField(max_length=200)
    #: ``read``, or ``denied`` (an object outside one's assignment, answered 404).
    outcome = models.CharField(max_length=16, default=READ)
    #: A random id given when the read happens: a row replayed twice is stored once.
    key = models.CharField(max_length=32, unique=True, null=True)  # noqa: DJ001 - old rows
    #: When the row reached the table (its day is the day whose digest covers it).
    logged_at = models.DateTimeField(null=True, db_index=True)

    class Meta:
        db_table = "reunify_access_log"
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["object_id", "at"])]


class AccessPrune(models.Model):
    """A prune of the access log's raw rows logged before ``before`` (their digests stay)."""

    before = models.DateTimeField()
    at = models.DateTimeField()
    actor = models.CharField(max_length=200)

    class Meta:
        db_table = "reunify_access_prune"


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


_LOG, _PRUNE = "reunify_access_log", "reunify_access_prune"
# The names of _LOG and _PRUNE, written out: a constant, never built from data.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION reunify_access_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'reunify_access_log' AND OLD.logged_at IS NOT NULL
       AND OLD.logged_at < (SELECT max(before) FROM reunify_access_prune) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def access_trigger_statements(vendor: str) -> list[str]:
    """The SQL that makes the access log append-only (deletes only before the prune horizon)."""
    if vendor == "postgresql":
        statements = [_PG_FUNCTION]
        for table in (_LOG, _PRUNE):
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION reunify_access_log_append_only()"
            )
        return statements
    if vendor == "sqlite":
        refuse = "SELECT RAISE(ABORT, 'the access log is append-only: {op} on {table} refused')"
        return [
            f"CREATE TRIGGER IF NOT EXISTS {_LOG}_no_update BEFORE UPDATE ON {_LOG} BEGIN "
            f"{refuse.format(op='UPDATE', table=_LOG)}; END",
            f"CREATE TRIGGER IF NOT EXISTS {_LOG}_no_delete BEFORE DELETE ON {_LOG} "  # noqa: S608 # nosec B608
            f"WHEN OLD.logged_at IS NULL OR (SELECT max(before) FROM {_PRUNE}) IS NULL "
            f"OR OLD.logged_at >= (SELECT max(before) FROM {_PRUNE}) BEGIN "
            f"{refuse.format(op='DELETE', table=_LOG)}; END",
            f"CREATE TRIGGER IF NOT EXISTS {_PRUNE}_no_update BEFORE UPDATE ON {_PRUNE} BEGIN "
            f"{refuse.format(op='UPDATE', table=_PRUNE)}; END",
            f"CREATE TRIGGER IF NOT EXISTS {_PRUNE}_no_delete BEFORE DELETE ON {_PRUNE} BEGIN "
            f"{refuse.format(op='DELETE', table=_PRUNE)}; END",
        ]
    raise NotImplementedError(f"no append-only triggers for {vendor}")  # pragma: no cover


def drop_access_triggers(connection) -> None:
    """Remove the access log's triggers (tests that must empty the tables; migrate restores)."""
    with connection.cursor() as cursor:
        for table in (_LOG, _PRUNE):
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


@receiver(post_migrate, dispatch_uid="reunify.access.append_only")
def _install_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    if app_config is None or app_config.label != "reunify":
        return
    from django.db import connections

    connection = connections[using]
    if {_LOG, _PRUNE} <= set(connection.introspection.table_names()):
        with connection.cursor() as cursor:
            for statement in access_trigger_statements(connection.vendor):
                cursor.execute(statement)  # schema, not data
