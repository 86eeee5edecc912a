"""Stations, shifts, appointments, applications and their history, duplicate candidates.

The stage of an application is a pure state machine (``stages.py``); ``is_open`` is kept with it so that
the database itself refuses a second open application for one citizen."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Station(models.Model):
    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed station (police office)")
        MOBILE = "mobile", _("Mobile team")
        HOME_VISIT = "home_visit", _("Home visits")

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="stations")
    address = models.CharField(max_length=300, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(default=15)
    slot_capacity = models.PositiveSmallIntegerField(default=4)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StationAssignment(models.Model):
    """An officer works at a station; ``current`` marks where they work now (at most one)."""

    officer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="station_assignments")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="assignments")
    since = models.DateTimeField(auto_now_add=True)
    current = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["officer"], condition=Q(current=True),
                                               name="one_current_station_per_officer")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.officer_id} @ {self.station_id}"


class Shift(models.Model):
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="shifts")
    name = models.CharField(max_length=40, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    officers = models.ManyToManyField("accounts.User", related_name="shifts", blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.starts_at:%d/%m/%Y %H:%M}"


class AppointmentSlot(models.Model):
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["station", "starts_at"], name="one_slot_per_station_time"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="slot_not_over_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.starts_at:%d/%m/%Y %H:%M}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    code = models.CharField(max_length=16, unique=True)
    citizen = models.ForeignKey("registry.Citizen", on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["citizen"], condition=Q(status="booked"),
                                               name="one_booked_appointment_per_citizen")]  # fmt: skip

    def __str__(self) -> str:
        return self.code


class Application(models.Model):
    class Kind(models.TextChoices):
        FIRST = "first", _("First card")
        RENEWAL = "renewal", _("Renewal (age)")
        REPLACEMENT = "replacement", _("Replacement")
        REISSUE = "reissue", _("Re-issue")

    class Stage(models.TextChoices):
        COMPLETENESS = "completeness", _("Completeness check")
        DEMOGRAPHIC_CHECK = "demographic_check", _("Demographic duplicate check")
        BIOMETRIC_CHECK = "biometric_check", _("Biometric duplicate check")
        ADJUDICATION = "adjudication", _("Duplicate adjudication")
        APPROVAL = "approval", _("Supervisor approval")
        READY_FOR_PRODUCTION = "ready_for_production", _("Ready for production")
        REJECTED = "rejected", _("Rejected")

    code = models.CharField(max_length=16, unique=True)
    citizen = models.ForeignKey("registry.Citizen", on_delete=models.PROTECT, related_name="applications")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="applications")
    unit_path = models.CharField(max_length=64, db_index=True)  # the station's unit: whose queue it is
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason_code = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    stage = models.CharField(max_length=24, choices=Stage.choices, default=Stage.COMPLETENESS, db_index=True)
    is_open = models.BooleanField(default=True)
    # why the application does not move on (a code of errors.BlockingReason), and what it waits for
    blocking_code = models.CharField(max_length=40, blank=True)
    blocking_detail = models.CharField(max_length=300, blank=True)
    capture = models.ForeignKey("biometrics.BiometricCapture", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    abis_request = models.ForeignKey("biometrics.AbisRequest", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=80)
    request_digest = models.CharField(max_length=64)
    opened_at = models.DateTimeField(null=True, blank=True)  # the capture page opened
    submitted_at = models.DateTimeField(auto_now_add=True)
    capture_seconds = models.PositiveIntegerField(null=True, blank=True)
    return_date = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # failed runs of the current stage
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen"], condition=Q(is_open=True), name="one_open_application_per_citizen"
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], name="application_idempotency_key"
            ),
        ]
        indexes = [models.Index(fields=["stage", "updated_at"], name="application_stage_queue")]

    def __str__(self) -> str:
        return self.code


class ApplicationEvent(models.Model):
    """The history of an application: each stage it entered, each decision, each retry."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    stage = models.CharField(max_length=24)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(max_length=40, blank=True)  # what happened (errors.BlockingReason or a step)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.stage} {self.code}"


class DuplicateCandidate(models.Model):
    class Kind(models.TextChoices):
        DEMOGRAPHIC = "demographic", _("Demographic")
        BIOMETRIC = "biometric", _("Biometric")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        DUPLICATE = "duplicate", _("Same person")
        DIFFERENT = "different", _("Different people")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="duplicates")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    citizen = models.ForeignKey(
        "registry.Citizen", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    other_application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")  # fmt: skip
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-score"]

    def __str__(self) -> str:
        return f"{self.application_id} ~ {self.citizen_id or self.other_application_id}"


class QueueTicket(models.Model):
    """A place in a station's queue on a day: a booked citizen checked in, or a walk-in; called in order of
    ``number`` (booked citizens whose slot has come first, then everyone by arrival)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        DONE = "done", _("Done")
        ABSENT = "absent", _("Did not answer")

    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField()
    number = models.PositiveIntegerField()
    citizen = models.ForeignKey(
        "registry.Citizen", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=140, blank=True)  # a walk-in not yet found in the registry
    appointment = models.OneToOneField(Appointment, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="ticket")  # fmt: skip
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    arrived_at = models.DateTimeField(auto_now_add=True)
    called_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["station", "day", "number"], name="one_ticket_number_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day} #{self.number}"
