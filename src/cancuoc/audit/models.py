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
    REFUSE = "refuse", _("Refused")
    SIGN = "sign", _("Sign")
    MANAGE = "manage", _("Manage")


class Event(models.TextChoices):
    """What happened, one kind per typed event function (``<domain>/events.py``)."""

    CITIZEN_VIEWED = "citizen_viewed", _("Citizen record viewed")
    CITIZEN_HISTORY_VIEWED = "citizen_history_viewed", _("Citizen history viewed")
    CITIZENS_SEARCHED = "citizens_searched", _("Citizens searched")
    CITIZEN_CREATED = "citizen_created", _("Citizen created")
    CITIZEN_CHANGED = "citizen_changed", _("Citizen changed")
    CITIZEN_CREATION_REFUSED = "citizen_creation_refused", _("Citizen creation refused (number unavailable)")
    CITIZENS_EXPORTED = "citizens_exported", _("Citizens exported")
    QUALITY_COUNTS_VIEWED = "quality_counts_viewed", _("Data-quality counts viewed")
    HOUSEHOLD_VIEWED = "household_viewed", _("Household viewed")
    ID_NUMBER_ALLOCATED = "id_number_allocated", _("ID number allocated")
    ID_NUMBER_CANCELLED = "id_number_cancelled", _("ID number cancelled")
    IMPORT_APPLIED = "import_applied", _("Import applied")
    DEMO_POPULATION_CREATED = "demo_population_created", _("Demo population created")
    CARD_PERSONALISED = "card_personalised", _("Card personalised")
    PKI_INITIALISED = "pki_initialised", _("National PKI initialised")
    DS_KEY_ROTATED = "ds_key_rotated", _("Document Signer key rotated")
    DS_KEY_REVOKED = "ds_key_revoked", _("Document Signer key revoked")
    CRL_ISSUED = "crl_issued", _("Certificate revocation list issued")
    CSCA_EXPORTED = "csca_exported", _("CSCA certificate exported")
    AUDIT_LOG_READ = "audit_log_read", _("Audit log read")
    AUDIT_LOG_SEALED = "audit_log_sealed", _("Audit log sealed")
    USER_LOGGED_IN = "user_logged_in", _("Logged in")
    USER_LOGGED_OUT = "user_logged_out", _("Logged out")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    USER_CREATED = "user_created", _("Officer account created")
    USER_CHANGED = "user_changed", _("Officer account changed")
    USER_PASSWORD_SET = "user_password_set", _("Officer password set")
    PERMISSION_REFUSED = "permission_refused", _("Action refused by the permission table")


class AuditEntry(models.Model):
    sequence = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    # no choices= on purpose: new event kinds need no migration; labels come from Event
    event = models.CharField(max_length=48, blank=True, db_index=True)
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
