"""A request to erase a person's data, which a second person must approve."""

from django.db import models


class ErasureRequest(models.Model):
    """One person's request to erase the data of the person a record belongs to."""

    PENDING, APPROVED, REFUSED = "pending", "approved", "refused"

    source = models.CharField(max_length=64)
    record_id = models.CharField(max_length=128)
    reason = models.TextField()
    requested_by = models.CharField(max_length=200)
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=16, default=PENDING)
    decided_by = models.CharField(max_length=200, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reunify_erasure_request"
