"""Cards as records: a citizen holds many over a lifetime, all with the same ID number, each with its own
serial. The state follows the pure machine of ``cancuoc.rules.cardstates``; only ``cards.lifecycle``
writes these tables (production, issuance and the status service call it).

What the production, issuance and relying-party apps know of a card beyond this (its batch, its parcel,
its hand-over, its status queries) lives in their own tables, pointing here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cancuoc.rules.cardstates import CardState

IN_USE = (CardState.ACTIVE, CardState.SUSPENDED)


class Card(models.Model):
    class State(models.TextChoices):
        ORDERED = CardState.ORDERED, _("Ordered")
        PERSONALISED = CardState.PERSONALISED, _("Personalised")
        SPOILED = CardState.SPOILED, _("Spoiled")
        DISPATCHED = CardState.DISPATCHED, _("Dispatched")
        RECEIVED = CardState.RECEIVED, _("Received at the station")
        ACTIVE = CardState.ACTIVE, _("Active")
        SUSPENDED = CardState.SUSPENDED, _("Suspended")
        LOST = CardState.LOST, _("Lost")
        REVOKED = CardState.REVOKED, _("Revoked")
        EXPIRED = CardState.EXPIRED, _("Expired")
        REPLACED = CardState.REPLACED, _("Replaced")

    serial = models.CharField(max_length=12, unique=True)
    citizen = models.ForeignKey("registry.Citizen", on_delete=models.PROTECT, related_name="cards")
    # the application it answers; a spoiled card and the card produced again share it
    application = models.ForeignKey("enrollment.Application", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="cards")  # fmt: skip
    state = models.CharField(max_length=12, choices=State.choices, default=State.ORDERED, db_index=True)
    # where the card is handed over (the application's station's unit): whose officers receive and hand it over
    unit_path = models.CharField(max_length=64, db_index=True)
    # set at personalisation
    issue_date = models.DateField(null=True, blank=True)
    expiry = models.DateField(null=True, blank=True)  # none: "Không thời hạn" (or not personalised yet)
    ds_certificate_serial = models.CharField(max_length=64, blank=True)  # hex, of the Document Signer
    sod_sha256 = models.CharField(max_length=64, blank=True, db_index=True)  # hex digest of the EF.SOD file
    mrz_sha256 = models.CharField(max_length=64, blank=True)  # hex digest of the three MRZ lines joined by \n
    # the unit the printed place of residence names (the replacement list after a rearrangement)
    printed_residence_unit = models.ForeignKey("units.AdministrativeUnit", null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="+")  # fmt: skip
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField()
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # at most one card in use per citizen: handing over a new one ends the previous one first
            models.UniqueConstraint(fields=["citizen"], condition=Q(state__in=[s.value for s in IN_USE]),
                                    name="one_card_in_use_per_citizen"),  # fmt: skip
            models.CheckConstraint(condition=Q(state__in=[s.value for s in CardState]), name="card_state_known"),
        ]
        indexes = [models.Index(fields=["state", "expiry"], name="card_state_expiry")]

    def __str__(self) -> str:
        return self.serial


class CardEvent(models.Model):
    """The history of a card: every transition, who made it and why."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")
    source = models.CharField(max_length=12, blank=True)  # empty for the order itself
    target = models.CharField(max_length=12)
    at = models.DateTimeField()
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.card_id} {self.source}→{self.target}"


class SerialCounter(models.Model):
    """The running number of card serials per production year; it only grows."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    next_number = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.year}: {self.next_number}"
