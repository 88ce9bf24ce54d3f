"""Import batches and the files they brought in."""

from django.db import models


class ImportBatch(models.Model):
    """One run of ``reunify ingest``: all of its files commit together or not at all."""

    actor = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    committed_at = models.DateTimeField()
    #: Totals over the batch's files: rows read, new, changed (new version), unchanged.
    counts = models.JSONField(default=dict)

    class Meta:
        db_table = "reunify_import_batch"

    def __str__(self) -> str:
        return f"batch {self.pk} by {self.actor}"


class SourceFile(models.Model):
    """A file of a batch, identified by its content: the same bytes are never ingested twice."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=32)
    kind = models.CharField(max_length=16)  # persons | relations | events
    format = models.CharField(max_length=8)  # csv | jsonl
    size = models.BigIntegerField()
    rows = models.BigIntegerField()
    rows_new = models.BigIntegerField(default=0)
    rows_changed = models.BigIntegerField(default=0)
    rows_unchanged = models.BigIntegerField(default=0)

    class Meta:
        db_table = "reunify_source_file"

    def __str__(self) -> str:
        return self.name
