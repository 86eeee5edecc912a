"""Import jobs: a file, its validation report, and what applying it changed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Checking")
        VALIDATED = "validated", _("Checked: waiting for confirmation")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed: nothing was changed")
        CANCELLED = "cancelled", _("Cancelled")

    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=200)
    stored_path = models.CharField(max_length=500)
    file_format = models.CharField(max_length=4)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    rejected_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_vi = models.CharField(max_length=500, blank=True)
    error_en = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name} ({self.status})"


class ImportRowError(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=60, blank=True)
    code = models.CharField(max_length=40)
    message_vi = models.CharField(max_length=300)
    message_en = models.CharField(max_length=300)

    class Meta:
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}"
