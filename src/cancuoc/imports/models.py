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
    # row errors counted beyond CANCUOC_IMPORT_MAX_STORED_ERRORS, which are not stored
    unstored_errors = models.PositiveBigIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True)  # an ImportErrorCode when failed
    error_vi = models.CharField(max_length=500, blank=True)
    error_en = models.CharField(max_length=500, blank=True)
    failed_phase = models.CharField(max_length=12, blank=True)  # validating / applying
    task_id = models.CharField(max_length=64, blank=True)  # the django-tasks result of the last run
    created_at = models.DateTimeField(auto_now_add=True)
    # when the current check or apply started; the live heartbeat itself is in the cache (services)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # when the check ended (waiting for confirmation) or the job ended: the retention clock starts here
    finished_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name} ({self.status})"

    @property
    def may_run_again(self) -> bool:
        """A job stopped by the worker or by an unexpected error (not by its file) can run again while
        its file is kept."""
        from .errors import ImportErrorCode

        return (
            self.status == self.Status.FAILED
            and self.error_code in (ImportErrorCode.JOB_INTERRUPTED, ImportErrorCode.JOB_FAILED)
            and self.failed_phase in (self.Status.VALIDATING, self.Status.APPLYING)
            and self.file_deleted_at is None
        )


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


class ImportSeenVersion(models.Model):
    """The version of each record a checked job will change, as the check saw it: applying refuses a row
    whose record changed in between instead of writing the file's values over that change."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="seen_versions")
    id_number = models.CharField(max_length=12)
    version = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "id_number"], name="import_seen_version_unique")]

    def __str__(self) -> str:
        return f"{self.id_number} v{self.version}"
