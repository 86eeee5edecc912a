"""Relying parties (banks, hospitals, offices that ask whether a card is valid) and the signed status
lists issued for offline verifiers. A party authenticates with an API key, never a login session: only
the key id and the SHA-256 of its secret are stored (``apikeys.py``)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    STATUS = "status", _("Online status of one card")
    STATUS_LIST = "status-list", _("Download the signed status list")


class RelyingParty(models.Model):
    name = models.CharField(max_length=120, unique=True)
    key_id = models.CharField(max_length=12, unique=True)
    secret_sha256 = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)  # a list of Scope values
    rate_per_minute = models.PositiveIntegerField(default=600)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(rate_per_minute__gte=1), name="relying_rate_positive")]

    def __str__(self) -> str:
        return self.name

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes


class StatusList(models.Model):
    """One issued list, kept as signed (the document is served byte for byte as it was signed)."""

    issued_at = models.DateTimeField(db_index=True)
    next_update = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    entry_count = models.PositiveIntegerField()
    document = models.TextField()

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"status list {self.pk} ({self.entry_count})"
