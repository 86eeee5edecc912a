"""Captures and the ABIS queue. Every biometric value is sealed (AES-256-GCM, ``protection.crypto``) for
its own row: the database holds ciphertext only, and a value copied into another row does not open.

- ``BiometricCapture``: one sitting of one citizen (portrait, ten fingerprints, exceptions, overrides).
- ``AbisGalleryEntry``: the templates the ABIS searches, under an opaque reference id.
- ``AbisGalleryChange``: the gallery's change log; an engine process folds it to stay in step.
- ``AbisRequest``: one request of the ABIS contract (insert, identify, delete), idempotent by request id.
"""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class BiometricCapture(models.Model):
    citizen = models.ForeignKey(
        "registry.Citizen", on_delete=models.PROTECT, related_name="biometric_captures"
    )
    unit_path = models.CharField(max_length=64, db_index=True)  # where it was captured (the officer's area)
    captured_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    # the portrait: the chip's JPEG (ICAO crop) sealed, its checks, the officer's overrides {check: reason}
    portrait = models.BinaryField(null=True, editable=False)
    portrait_checks = models.JSONField(default=dict, blank=True)
    portrait_overrides = models.JSONField(default=dict, blank=True)
    face_template = models.BinaryField(null=True, editable=False)
    portrait_at = models.DateTimeField(null=True, blank=True)
    # the fingerprints: one ISO/IEC 19794-2 record sealed; quality per position {"1": 63};
    # exceptions {"4": "amputated"} for the positions without a usable print
    fingerprints = models.BinaryField(null=True, editable=False)
    finger_quality = models.JSONField(default=dict, blank=True)
    finger_exceptions = models.JSONField(default=dict, blank=True)
    fingerprints_at = models.DateTimeField(null=True, blank=True)
    # why fingerprints were not taken at all (under 6 years old)
    fingerprints_waived = models.CharField(max_length=40, blank=True)
    # a capture submitted with an application: the images as they came (one sealed bundle), measured later
    # by the processing pipeline (``actions.measure_submission``); the officer's reason for accepting a
    # portrait whose checks fail
    raw_images = models.BinaryField(null=True, editable=False)
    # what the pipeline's measuring found wrong: [[kind, detail], …] ("portrait" / "fingerprints")
    problems = models.JSONField(default=list, blank=True)
    # what the raw images are sealed for (drawn before the row exists, so that intake writes it once)
    seal_key = models.UUIDField(default=uuid.uuid4, editable=False)
    portrait_override_reason = models.CharField(max_length=300, blank=True)
    measured_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"capture {self.pk} of citizen {self.citizen_id}"

    @property
    def complete(self) -> bool:
        return self.portrait_at is not None and (
            self.fingerprints_at is not None or bool(self.fingerprints_waived)
        )


class AbisGalleryEntry(models.Model):
    reference = models.CharField(max_length=64, unique=True)
    templates = models.BinaryField(editable=False)  # ISO/IEC 19794-2 record, sealed for this reference
    fingers = models.PositiveSmallIntegerField(default=0)
    inserted_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.reference


class AbisGalleryChange(models.Model):
    class Kind(models.TextChoices):
        INSERT = "insert", _("Insert")
        DELETE = "delete", _("Delete")

    reference = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class AbisRequest(models.Model):
    class Operation(models.TextChoices):
        INSERT = "insert", _("Insert")
        IDENTIFY = "identify", _("Identify")
        DELETE = "delete", _("Delete")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    request_id = models.CharField(max_length=64, unique=True)
    operation = models.CharField(max_length=8, choices=Operation.choices)
    reference = models.CharField(max_length=64, blank=True)  # insert/delete; identify: the probe's own
    # insert: the templates to enrol; identify: the probe when it is not an enrolled reference (sealed,
    # ISO/IEC 19794-2); the gallery to search
    # (reference ids, empty for all) and how many candidates to return
    templates = models.BinaryField(null=True, editable=False)
    gallery = models.JSONField(default=list, blank=True)
    max_results = models.PositiveSmallIntegerField(default=10)
    # a digest of what was asked, so that a repeated request id with other content is refused
    digest = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)  # when a worker took it (running)
    result = models.JSONField(default=dict, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    requested_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="abis_request_queue")]

    def __str__(self) -> str:
        return f"{self.operation} {self.request_id}"
