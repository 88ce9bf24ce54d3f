"""The decision ledger: append-only entries, leaves of a Merkle tree, and signed tree heads.

The database itself refuses UPDATE and DELETE on the ledger's tables: triggers installed after
every ``migrate`` by a ``post_migrate`` handler (not a migration, because the initial migration
is regenerated until the first release). Tamper evidence does not rest on the triggers — a
database owner can drop them — but on the signed checkpoints and the witnesses.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_migrate
from django.dispatch import receiver


class LedgerEntry(models.Model):
    """One decision or change of state. ``seq`` is the leaf index, from 0, without gaps."""

    seq = models.BigIntegerField(primary_key=True)
    recorded_at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=200)
    type = models.CharField(max_length=64)
    #: For decisions a source reported: who decided and under what authority (denormalised
    #: from the body so queries can use an index; blank otherwise).
    decided_by = models.CharField(max_length=200, blank=True, default="")
    authority = models.CharField(max_length=500, blank=True, default="")
    #: The entry as canonical JSON (RFC 8785); no personal data beyond ids and salted hashes.
    body = models.TextField()
    #: RFC 9162 leaf hash: SHA-256(0x00 || body), hex.
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        db_table = "reunify_ledger_entry"
        indexes = [
            models.Index(fields=["type"]),
            models.Index(fields=["actor"]),
            models.Index(fields=["decided_by"]),
            models.Index(fields=["authority"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type} by {self.actor}"


class LedgerSubject(models.Model):
    """One subject of an entry (``SOURCE:RECORD_ID`` and the like), so entries are found by it."""

    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, related_name="subject_rows", db_column="seq",
    )
    subject = models.CharField(max_length=300)

    class Meta:
        db_table = "reunify_ledger_subject"
        indexes = [models.Index(fields=["subject", "entry"])]

    def __str__(self) -> str:
        return f"#{self.entry_id} {self.subject}"


class Checkpoint(models.Model):
    """A signed tree head: the ledger's size and root at a moment, signed with Ed25519."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    #: Signed-note key id of the signing key, hex.
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    #: The checkpoint as published: a C2SP signed note (what verifiers and witnesses check).
    note = models.TextField(default="")
    #: The compact range of the tree at this size (hex hashes), so the next head is computed
    #: from the new leaves only. A convenience for signing; verifiers never use it.
    frontier = models.JSONField(default=list)
    actor = models.CharField(max_length=200, default="")

    class Meta:
        db_table = "reunify_checkpoint"

    def __str__(self) -> str:
        return f"checkpoint size={self.tree_size}"


#: The tables the database keeps append-only.
APPEND_ONLY_TABLES = ("reunify_ledger_entry", "reunify_ledger_subject", "reunify_checkpoint")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION reunify_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def trigger_statements(vendor: str) -> list[str]:
    """The SQL that makes the ledger's tables refuse UPDATE and DELETE, idempotently."""
    statements: list[str] = []
    if vendor == "postgresql":
        statements.append(_PG_FUNCTION)
        for table in APPEND_ONLY_TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION reunify_ledger_append_only()"
            )
    elif vendor == "sqlite":
        for table in APPEND_ONLY_TABLES:
            for operation in ("UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} "
                    f"BEFORE {operation} ON {table} BEGIN "
                    f"SELECT RAISE(ABORT, 'the ledger is append-only: {operation} on {table} "
                    "refused'); END"
                )
    else:
        raise NotImplementedError(f"no append-only triggers for {vendor}")
    return statements


def install_append_only_triggers(connection) -> None:
    """Install (or re-install) the triggers on ``connection``'s database."""
    with connection.cursor() as cursor:
        for statement in trigger_statements(connection.vendor):
            cursor.execute(statement)  # schema, not data


def drop_append_only_triggers(connection) -> None:
    """Remove the triggers: for tests that must empty the tables (a flush after a transactional
    test on SQLite deletes row by row). ``migrate`` puts them back. The access log's too."""
    from reunify.models.access import drop_access_triggers

    drop_access_triggers(connection)
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


@receiver(post_migrate, dispatch_uid="reunify.ledger.append_only")
def _install_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    if app_config is None or app_config.label != "reunify":
        return
    from django.db import connections

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    if set(APPEND_ONLY_TABLES) <= tables:
        install_append_only_triggers(connection)
