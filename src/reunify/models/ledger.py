"""The decision ledger: append-only entries, leaves of a Merkle tree, and signed tree heads.

The database refuses UPDATE and DELETE on both tables (triggers, in the migrations).
"""

from django.db import models


class LedgerEntry(models.Model):
    """One decision or change of state. ``seq`` is the leaf index, from 0, without gaps."""

    seq = models.BigIntegerField(primary_key=True)
    recorded_at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    type = models.CharField(max_length=64)
    #: The entry as canonical JSON (RFC 8785); no personal data beyond ids and salted hashes.
    body = models.TextField()
    #: RFC 9162 leaf hash: SHA-256(0x00 || body), hex.
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        db_table = "reunify_ledger_entry"
        indexes = [models.Index(fields=["type"]), models.Index(fields=["actor"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type} by {self.actor}"


class Checkpoint(models.Model):
    """A signed tree head: the ledger's size and root at a moment, signed with Ed25519."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    class Meta:
        db_table = "reunify_checkpoint"

    def __str__(self) -> str:
        return f"checkpoint size={self.tree_size}"
