"""Tables of the campaign: the kept counts (each eligible citizen's standing, counters per unit path with a
daily series, per station and officer per day, the fold's cursor) and the door-to-door work (mobile teams,
their calendar, assignments, visits and their outcomes, conditions officers record, announcements).

The counts are derived data: ``cancuoc campaign rebuild`` recomputes them from the records of the registry,
enrollment and cards; ``counting.fold`` keeps them current from those apps' history tables."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .status import KEPT_REASONS


class CitizenStanding(models.Model):
    """Where one eligible citizen stands (no row: not in any target). ``keys`` are the unit paths whose
    counters include them, kept so that a change subtracts exactly what was added."""

    citizen = models.OneToOneField("registry.Citizen", primary_key=True, on_delete=models.CASCADE,
                                   related_name="campaign_standing")  # fmt: skip
    keys = models.TextField()
    applications = models.BooleanField(default=False)
    approved = models.BooleanField(default=False)
    produced = models.BooleanField(default=False)
    handed_over = models.BooleanField(default=False)
    valid_cards = models.BooleanField(default=False)
    covered = models.BooleanField(default=False)
    reason = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["covered", "reason"], name="campaign_standing_open")]

    def __str__(self) -> str:
        return f"{self.citizen_id}: {self.reason or 'covered'}"


class UnitCount(models.Model):
    """The kept counts of one unit ("/" is the country), everyone present in it counted once."""

    path = models.CharField(max_length=64, unique=True)
    target = models.IntegerField(default=0)
    applications = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    produced = models.IntegerField(default=0)
    handed_over = models.IntegerField(default=0)
    valid_cards = models.IntegerField(default=0)
    covered = models.IntegerField(default=0)
    eid_level2 = models.IntegerField(default=0)  # ready for the electronic-identity work
    # outstanding by reason (status.KEPT_REASONS)
    out_pending_change = models.IntegerField(default=0)
    out_data_error = models.IntegerField(default=0)
    out_away = models.IntegerField(default=0)
    out_sick_or_disabled = models.IntegerField(default=0)
    out_elderly = models.IntegerField(default=0)
    out_not_at_home = models.IntegerField(default=0)
    out_refused = models.IntegerField(default=0)
    out_not_applied = models.IntegerField(default=0)
    full_on = models.DateField(null=True, blank=True)  # the day coverage first reached 100 %

    def __str__(self) -> str:
        return f"{self.path}: {self.covered}/{self.target}"


REASON_FIELDS = {reason: f"out_{reason}" for reason in KEPT_REASONS}
COUNT_FIELDS = ("target", "applications", "approved", "produced", "handed_over", "valid_cards", "covered")


class UnitDay(models.Model):
    """The counts of a unit at the end of a day it changed (a day without a row carries the previous one)."""

    path = models.CharField(max_length=64)
    day = models.DateField()
    target = models.IntegerField(default=0)
    applications = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    produced = models.IntegerField(default=0)
    handed_over = models.IntegerField(default=0)
    valid_cards = models.IntegerField(default=0)
    covered = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["path", "day"], name="campaign_unit_day_unique")]

    def __str__(self) -> str:
        return f"{self.path} {self.day:%d/%m/%Y}"


class StationDay(models.Model):
    """Applications a station took in on a day (its throughput), with the officer time they took."""

    station = models.ForeignKey("enrollment.Station", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=64, db_index=True)
    day = models.DateField()
    applications = models.IntegerField(default=0)
    capture_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="campaign_station_day_unique")]
        indexes = [models.Index(fields=["unit_path", "day"], name="campaign_station_day_path")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day:%d/%m/%Y}"


class OfficerDay(models.Model):
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey("enrollment.Station", on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=64, db_index=True)
    day = models.DateField()
    applications = models.IntegerField(default=0)
    capture_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["officer", "station", "day"],
                                               name="campaign_officer_day_unique")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.officer_id} {self.day:%d/%m/%Y}"


class FoldCursor(models.Model):
    """How far the fold has read each source (one row): the newest row seen at the last fold and at the
    fold before it. Each fold reads again from the fold before last, so a row committed later than a newer
    one (a transaction still open during the last fold) is not missed; that is harmless, as a standing is
    recomputed, not incremented. A transaction open across two folds is caught by the nightly rebuild."""

    application_event = models.BigIntegerField(default=0)
    application_event_before = models.BigIntegerField(default=0)
    application = models.BigIntegerField(default=0)
    application_before = models.BigIntegerField(default=0)
    card_event = models.BigIntegerField(default=0)
    card_event_before = models.BigIntegerField(default=0)
    quality_flag = models.BigIntegerField(default=0)
    quality_flag_before = models.BigIntegerField(default=0)
    # the registry's updated_at: the start of the last fold and of the fold before it
    citizen_changed_at = models.DateTimeField(null=True, blank=True)
    citizen_changed_before = models.DateTimeField(null=True, blank=True)
    day = models.DateField(null=True, blank=True)  # birthdays and expiries are swept up to this day
    folded_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"fold cursor {self.folded_at}"


class Team(models.Model):
    """A mobile team (or the home-visit team) of a unit."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=64, db_index=True)
    station = models.ForeignKey("enrollment.Station", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    officers = models.PositiveSmallIntegerField(default=2)
    minutes_per_application = models.PositiveSmallIntegerField(default=5)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Slot(models.TextChoices):
    MORNING = "morning", _("Morning (07:00–11:00)")
    AFTERNOON = "afternoon", _("Afternoon (13:00–17:00)")
    EVENING = "evening", _("Evening (18:00–22:00)")
    NIGHT = "night", _("Night (22:00–06:00)")


SLOT_HOURS = {Slot.MORNING: 4, Slot.AFTERNOON: 4, Slot.EVENING: 4, Slot.NIGHT: 8}


class PlaceKind(models.TextChoices):
    COMMUNE_HALL = "commune_hall", _("Commune hall")
    VILLAGE = "village", _("Village")
    SCHOOL = "school", _("School")
    COMPANY = "company", _("Company")
    HOMES = "homes", _("Home visits")


class TeamVisit(models.Model):
    """One entry of the mobile-team calendar: where a team works in one slot of one day. The database
    refuses a second place for a team in the same slot (a team cannot be in two places at once)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="visits")
    day = models.DateField()
    slot = models.CharField(max_length=10, choices=Slot.choices)
    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=64, db_index=True)
    place_kind = models.CharField(max_length=14, choices=PlaceKind.choices)
    place_name = models.CharField(max_length=120)
    expected = models.PositiveIntegerField(default=0)  # applications planned from the outstanding count
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "slot", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "day", "slot"], name="team_in_one_place_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.day:%d/%m/%Y} {self.slot}"


class Assignment(models.Model):
    """An outstanding citizen on a team's list (one team at a time)."""

    citizen = models.OneToOneField("registry.Citizen", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.citizen_id} → {self.team_id}"


class Outcome(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    REFUSED = "refused", _("Refused")
    ABSENT = "absent", _("Not at home")
    MOVED = "moved", _("Moved away")
    DEAD = "dead", _("Dead")


class Visit(models.Model):
    """A door-to-door visit and its outcome; "dead" and "moved" are sent to a supervisor as a registry
    change request (``change_request``), never written to the record directly."""

    citizen = models.ForeignKey("registry.Citizen", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    visited_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    change_request = models.ForeignKey("registry.ChangeRequest", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["officer", "idempotency_key"], condition=~Q(idempotency_key=""),
                                               name="visit_idempotency_key")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.outcome}"


class Condition(models.Model):
    """Sick or disabled, as an officer recorded it (a reason for a home visit)."""

    class Kind(models.TextChoices):
        SICK = "sick", _("Sick")
        DISABLED = "disabled", _("Disabled")

    citizen = models.ForeignKey("registry.Citizen", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    noted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["citizen", "kind"], name="one_condition_of_a_kind")]

    def __str__(self) -> str:
        return f"{self.citizen_id} {self.kind}"


class Announcement(models.Model):
    """A commune's announcement (the team's schedule, what to bring), printed as a flyer and queued to the
    outbox for the commune's households."""

    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=64, db_index=True)
    body_vi = models.TextField()
    body_en = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    queued = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.unit_path} {self.created_at}"
