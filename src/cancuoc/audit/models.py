"""The audit log: append-only and hash-chained.

Each entry stores the SHA-256 of its own canonical content together with the previous entry's hash,
so editing or deleting any entry breaks the chain from there on (``cancuoc audit verify``). Database
triggers refuse UPDATE and DELETE on the table (see migration 0002). See docs/adr/0003-audit-log.md.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    READ = "read", _("Read")
    SEARCH = "search", _("Search")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    ALLOCATE = "allocate", _("Allocate ID number")
    CANCEL = "cancel", _("Cancel ID number")
    LOGIN = "login", _("Log in")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    LOGOUT = "logout", _("Log out")


class AuditEntry(models.Model):
    sequence = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True, db_index=True)
    unit_path = models.CharField(max_length=64, blank=True, db_index=True)
    remote_addr = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id", "sequence"], name="audit_object")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id} by {self.actor_username}"


class AuditChainHead(models.Model):
    """A single row holding the last sequence and hash; appenders lock it, which serialises the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.sequence}"
