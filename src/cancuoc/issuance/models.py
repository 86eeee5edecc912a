"""What issuance knows of a card beyond ``cards.Card``: how it was handed over, its parcel when sent by
post, the loss reports and the re-issue they start; the citizen's contact (the registry holds no phone
number) and the outbox of messages to citizens, with the one-time codes of the public loss page."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cancuoc.protection.fields import EncryptedCharField


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    ZALO = "zalo", "Zalo"


class CitizenContact(models.Model):
    """Where a citizen is told things (their card is ready, a one-time code): given at the counter."""

    citizen = models.OneToOneField("registry.Citizen", on_delete=models.CASCADE, related_name="issuance_contact")
    phone = EncryptedCharField(_("phone number"), max_length=20, pad_to=16)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.SMS)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"contact of {self.citizen_id}"


class Handover(models.Model):
    """How a card went into its holder's hand: one per card (a second hand-over is refused by the database)."""

    class Method(models.TextChoices):
        FINGERPRINT = "fingerprint", _("Fingerprint 1:1")
        FACE = "face", _("Face 1:1")
        LOOKING = "looking", _("By looking (reason given)")
        POST = "post", _("By post (delivery confirmed)")

    card = models.OneToOneField("cards.Card", on_delete=models.PROTECT, related_name="handover")
    method = models.CharField(max_length=12, choices=Method.choices)
    score = models.FloatField(null=True, blank=True)
    match = models.BooleanField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    officer = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.card_id} {self.method}"


class PostalDelivery(models.Model):
    """A card sent to its holder by post instead of being collected: posted → delivered (the confirmation
    hands it over) or returned (back at the station, to be collected or posted again)."""

    class State(models.TextChoices):
        POSTED = "posted", _("Posted")
        DELIVERED = "delivered", _("Delivered")
        RETURNED = "returned", _("Returned to the station")

    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="postal_deliveries")
    address = EncryptedCharField(_("delivery address"), max_length=300, pad_to=64)
    tracking_number = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.POSTED)
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmation = models.CharField(max_length=300, blank=True)  # who signed, the receipt, or why it came back

    class Meta:
        ordering = ["-posted_at", "-pk"]
        constraints = [
            # one parcel on its way per card
            models.UniqueConstraint(fields=["card"], condition=Q(state="posted"), name="one_parcel_per_card"),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.tracking_number} {self.state}"


class LossReport(models.Model):
    """A card reported lost: suspended at once; confirmed (→ lost) by a supervisor, or withdrawn when the
    card is found before that (→ active again)."""

    class State(models.TextChoices):
        OPEN = "open", _("Suspended, waiting for confirmation")
        CONFIRMED = "confirmed", _("Loss confirmed")
        WITHDRAWN = "withdrawn", _("Found: card active again")

    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="loss_reports")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    by_citizen = models.BooleanField(default=False)  # the public page (one-time code) or an officer
    reported_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    reported_at = models.DateTimeField()
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["card"], condition=Q(state="open"), name="one_open_loss_per_card")]

    def __str__(self) -> str:
        return f"loss of {self.card_id} ({self.state})"


class ReissueRequest(models.Model):
    """A re-issue (cấp lại) the station must start: the citizen comes for a new capture (no application is
    made without biometrics). Closed when a new card of the citizen is handed over."""

    citizen = models.ForeignKey("registry.Citizen", on_delete=models.PROTECT, related_name="+")
    lost_card = models.OneToOneField("cards.Card", on_delete=models.PROTECT, related_name="reissue_request")
    unit_path = models.CharField(max_length=64, db_index=True)  # the station that handed the lost card over
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by_card = models.ForeignKey("cards.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"re-issue for {self.citizen_id}"


class OutboxMessage(models.Model):
    """A message to a citizen, queued in the transaction of what it tells, sent later by the worker.
    ``key`` makes queueing idempotent and is what the sender passes on to the provider, so that the same
    message is never delivered twice (docs/outbox.md)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed: retries exhausted")
        UNCERTAIN = "uncertain", _("Unknown whether sent: check with the provider")
        NO_CHANNEL = "no_channel", _("No phone number: call or visit")

    key = models.CharField(max_length=120, unique=True)
    citizen = models.ForeignKey("registry.Citizen", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=64, blank=True, db_index=True)  # whose officers follow it up
    recipient = EncryptedCharField(max_length=40, blank=True, pad_to=16)
    channel = models.CharField(max_length=8, blank=True)  # "" when there is none
    # encrypted at rest: a body may hold a one-time code; a ``sensitive`` one is blanked once settled
    body_vi = EncryptedCharField(max_length=1000, pad_to=64)
    body_en = EncryptedCharField(max_length=1000, pad_to=64)
    sensitive = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)  # the worker's token while it sends
    provider_reference = models.CharField(max_length=120, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class LossCode(models.Model):
    """A one-time code of the public loss page: stored as an HMAC, short-lived, a few attempts."""

    token_digest = models.CharField(max_length=64, unique=True)  # the browser session holds the token
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    code_digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"loss code {self.pk}"
