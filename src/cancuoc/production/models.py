"""Card production: batches of a province's approved applications, their cards (one item per card made),
and the parcels that take finished cards to the receiving stations.

The cards themselves are ``cards.Card`` rows, written only by ``cards.lifecycle``; what production knows of
a card beyond its state (its batch and position, quality control, its parcel) lives here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProductionBatch(models.Model):
    class State(models.TextChoices):
        ORDERED = "ordered", _("Waiting to run")
        RUNNING = "running", _("Running")
        INTERRUPTED = "interrupted", _("Interrupted")
        PRODUCED = "produced", _("Produced")
        CLOSED = "closed", _("Closed")

    class Priority(models.IntegerChoices):
        URGENT = 1, _("Urgent")
        NORMAL = 2, _("Normal")

    code = models.CharField(max_length=40, unique=True)
    province = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    state = models.CharField(max_length=12, choices=State.choices, default=State.ORDERED, db_index=True)
    # a follow-up batch makes again the cards of ``remakes`` spoiled in quality control
    remakes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups")
    card_count = models.PositiveIntegerField(default=0)
    personalised_count = models.PositiveIntegerField(default=0)
    passed_count = models.PositiveIntegerField(default=0)
    spoiled_count = models.PositiveIntegerField(default=0)
    withdrawn_count = models.PositiveIntegerField(default=0)  # cards that could not be made from their data
    dispatched_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    produced_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # the run holding the batch ("host:pid:token") and its last sign of life: a killed run is taken over
    runner = models.CharField(max_length=120, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_vi = models.CharField(max_length=400, blank=True)
    error_en = models.CharField(max_length=400, blank=True)
    file_path = models.CharField(max_length=400, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    file_bytes = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.code

    @property
    def unfinished(self) -> bool:
        return self.state in (self.State.ORDERED, self.State.RUNNING, self.State.INTERRUPTED)


class Parcel(models.Model):
    """The finished cards of one batch for one receiving station, with its dispatch list."""

    class State(models.TextChoices):
        DISPATCHED = "dispatched", _("On its way")
        RECEIVED = "received", _("Received")

    code = models.CharField(max_length=60, unique=True)
    batch = models.ForeignKey(ProductionBatch, on_delete=models.PROTECT, related_name="parcels")
    station = models.ForeignKey("enrollment.Station", on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=64, db_index=True)  # the station's unit: whose officers receive it
    state = models.CharField(max_length=12, choices=State.choices, default=State.DISPATCHED, db_index=True)
    card_count = models.PositiveIntegerField(default=0)
    received_count = models.PositiveIntegerField(default=0)
    packed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    packed_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)  # the last card of it scanned at the station

    class Meta:
        ordering = ["-packed_at", "-pk"]

    def __str__(self) -> str:
        return self.code


class BatchItem(models.Model):
    """One card made in a batch for an application."""

    class Qc(models.TextChoices):
        PENDING = "pending", _("Not checked")
        PASSED = "passed", _("Passed")
        SPOILED = "spoiled", _("Spoiled")

    batch = models.ForeignKey(ProductionBatch, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()  # order in the batch and the production file
    application = models.ForeignKey("enrollment.Application", on_delete=models.PROTECT, related_name="+")
    card = models.OneToOneField("cards.Card", on_delete=models.PROTECT, related_name="production_item")
    # the card is at the production centre: ordered, personalised or checked, not yet dispatched or spoiled
    in_production = models.BooleanField(default=True)
    qc = models.CharField(max_length=8, choices=Qc.choices, default=Qc.PENDING)
    qc_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    qc_at = models.DateTimeField(null=True, blank=True)
    qc_reason = models.CharField(max_length=300, blank=True)
    parcel = models.ForeignKey(Parcel, null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    received_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")  # fmt: skip
    received_at = models.DateTimeField(null=True, blank=True)
    # the card could not be made from the application's data (no portrait, a name too long to print…): it
    # was spoiled unmade, and the application waits until it changes after this moment
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            # an application is in at most one batch at a time (a spoiled card's item leaves production first)
            models.UniqueConstraint(fields=["application"], condition=Q(in_production=True),
                                    name="one_batch_in_production_per_application"),  # fmt: skip
            models.UniqueConstraint(fields=["batch", "position"], name="one_card_per_batch_position"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.position}"
