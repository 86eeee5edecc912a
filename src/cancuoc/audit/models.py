"""The audit log: append-only, every entry MACed, sealed into signed checkpoints.

Writers append without any global lock: the order of the log (``sequence``) comes from a database sequence
(PostgreSQL) or the single writer lock (SQLite), and each entry carries an HMAC under a key the database does
not hold (``mac``, ``mac_key``). The sealer (``cancuoc audit seal``, the worker) folds committed entries in
order into signed ``AuditCheckpoint`` rows. Database triggers refuse UPDATE and DELETE on both tables
(``guard.py``). See docs/adr/0003-audit-log.md.
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
    CITIZEN_LOOKUP_REFUSED = "citizen_lookup_refused", _("Citizen lookup refused (missing or outside the area)")
    CITIZEN_CREATION_REFUSED = "citizen_creation_refused", _("Citizen creation refused (number unavailable)")
    CITIZENS_EXPORTED = "citizens_exported", _("Citizens exported")
    QUALITY_COUNTS_VIEWED = "quality_counts_viewed", _("Data-quality counts viewed")
    HOUSEHOLD_VIEWED = "household_viewed", _("Household viewed")
    HOUSEHOLD_CREATED = "household_created", _("Household created")
    HOUSEHOLD_MEMBER_MOVED = "household_member_moved", _("Household member moved")
    HOUSEHOLD_HEAD_CHANGED = "household_head_changed", _("Household head changed")
    CITIZENS_LISTED = "citizens_listed", _("Citizen list or worklist viewed")
    CITIZEN_EXTRACT_PRINTED = "citizen_extract_printed", _("Record extract printed")
    CITIZENS_MERGED = "citizens_merged", _("Duplicate records merged")
    DUPLICATE_DISMISSED = "duplicate_dismissed", _("Suspected duplicate dismissed")
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
    CHANGE_REQUESTED = "change_requested", _("Correction of a citizen's data requested")
    CHANGE_DECIDED = "change_decided", _("Correction of a citizen's data approved or rejected")
    APPLICATION_SUBMITTED = "application_submitted", _("Application submitted")
    APPLICATION_VIEWED = "application_viewed", _("Application viewed")
    APPLICATION_STAGE_CHANGED = "application_stage_changed", _("Application moved to another stage")
    APPLICATION_DECIDED = "application_decided", _("Application approved or rejected")
    DUPLICATE_DECIDED = "duplicate_decided", _("Suspected duplicate decided")
    APPLICATION_FORM_PRINTED = "application_form_printed", _("Application form printed")
    APPLICATION_STATUS_CHECKED = "application_status_checked", _("Application status checked by the citizen")
    STATION_CHANGED = "station_changed", _("Station, shift or slots changed")
    APPOINTMENT_BOOKED = "appointment_booked", _("Appointment booked")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("Appointment cancelled")
    BIOMETRIC_CAPTURE_STARTED = "biometric_capture_started", _("Biometric capture started")
    PORTRAIT_CAPTURED = "portrait_captured", _("Portrait captured")
    FINGERPRINTS_CAPTURED = "fingerprints_captured", _("Fingerprints captured")
    HOLDER_VERIFIED = "holder_verified", _("Holder verified against enrolled biometrics")
    BIOMETRICS_DELETED = "biometrics_deleted", _("Biometric data deleted")
    ABIS_REQUEST_SUBMITTED = "abis_request_submitted", _("ABIS request submitted")
    ABIS_REQUEST_COMPLETED = "abis_request_completed", _("ABIS request completed")
    ABIS_REQUEST_FAILED = "abis_request_failed", _("ABIS request failed")
    # cards: one kind per state a card enters (cards.lifecycle), reads and lists
    CARD_ORDERED = "card_ordered", _("Card ordered for production")
    CARD_SPOILED = "card_spoiled", _("Card spoiled")
    CARD_DISPATCHED = "card_dispatched", _("Card dispatched")
    CARD_RECEIVED = "card_received", _("Card received at the station")
    CARD_HANDED_OVER = "card_handed_over", _("Card handed over")
    CARD_SUSPENDED = "card_suspended", _("Card suspended")
    CARD_REINSTATED = "card_reinstated", _("Card reinstated")
    CARD_LOST = "card_lost", _("Card loss confirmed")
    CARD_REVOKED = "card_revoked", _("Card revoked")
    CARD_EXPIRED = "card_expired", _("Card expired")
    CARD_REPLACED = "card_replaced", _("Card replaced by a new card")
    CARD_VIEWED = "card_viewed", _("Card viewed")
    CARDS_LISTED = "cards_listed", _("Card list viewed")
    # production (cancuoc.production)
    PRODUCTION_BATCH_CREATED = "production_batch_created", _("Production batch created")
    PRODUCTION_BATCH_FINISHED = "production_batch_finished", _("Production batch finished")
    PRODUCTION_FILE_EXPORTED = "production_file_exported", _("Production file exported")
    CARDS_PACKED = "cards_packed", _("Cards packed for a station")
    CARD_QC_PASSED = "card_qc_passed", _("Card passed quality control")
    MACHINE_KEY_INSTALLED = "machine_key_installed", _("Personalisation machine's key installed")
    # issuance and lifecycle (cancuoc.issuance)
    CARD_LOSS_REPORTED = "card_loss_reported", _("Card loss reported")
    CARD_DELIVERY_CHANGED = "card_delivery_changed", _("Card delivery by post recorded")
    CONTACT_CHANGED = "citizen_contact_changed", _("Citizen's contact for messages changed")
    MESSAGE_QUEUED = "message_queued", _("Message to a citizen queued")
    MESSAGE_SENT = "message_sent", _("Message to a citizen sent")
    # relying parties (cancuoc.relying)
    RELYING_PARTY_CHANGED = "relying_party_changed", _("Relying party registered or changed")
    CARD_STATUS_QUERIED = "card_status_queried", _("Card status queried by a relying party")
    STATUS_LIST_ISSUED = "status_list_issued", _("Signed card status list issued")
    STATUS_KEY_ROTATED = "status_key_rotated", _("Status-signing key rotated")
    # campaigns (cancuoc.campaigns)
    CAMPAIGN_REPORT_VIEWED = "campaign_report_viewed", _("Campaign coverage or report viewed")
    OUTSTANDING_LIST_EXPORTED = "outstanding_list_exported", _("Outstanding list exported or printed")
    VISIT_RECORDED = "visit_recorded", _("Door-to-door visit outcome recorded")
    TEAM_PLAN_CHANGED = "team_plan_changed", _("Mobile-team plan changed")
    CAMPAIGN_COUNTS_REBUILT = "campaign_counts_rebuilt", _("Campaign counts rebuilt")
    ANNOUNCEMENT_SENT = "announcement_sent", _("Campaign announcement sent")
    AUDIT_LOG_READ = "audit_log_read", _("Audit log read")
    AUDIT_LOG_SEALED = "audit_log_sealed", _("Audit log sealed")
    AUDIT_KEY_ROTATED = "audit_key_rotated", _("Audit log key rotated")
    USER_LOGGED_IN = "user_logged_in", _("Logged in")
    USER_LOGGED_OUT = "user_logged_out", _("Logged out")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    USER_CREATED = "user_created", _("Officer account created")
    USER_CHANGED = "user_changed", _("Officer account changed")
    USER_PASSWORD_SET = "user_password_set", _("Officer password set")
    PERMISSION_REFUSED = "permission_refused", _("Action refused by the permission table")
    DATA_KEY_ROTATED = "data_key_rotated", _("Personal-data encryption key rotated")
    PERSONAL_DATA_REKEYED = "personal_data_rekeyed", _("Personal data re-encrypted under the current key")


class AuditEntry(models.Model):
    # the order of the log: drawn from the sequence ``audit_entry_sequence`` (PostgreSQL) or as max + 1 under
    # SQLite's writer lock; rolled-back transactions leave gaps on PostgreSQL, which checkpoints record
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
    mac_key = models.PositiveSmallIntegerField(default=0)  # version of the ``audit-mac`` key
    mac = models.CharField(max_length=64)

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["object_type", "object_id", "sequence"], name="audit_object")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id} by {self.actor_username}"

    @property
    def event_label(self) -> str:
        """What happened, in the reader's language (the coarse action for entries older than event kinds)."""
        if self.event in Event.values:
            return Event(self.event).label
        return self.get_action_display()


class AuditCheckpoint(models.Model):
    """A signed tree head: the first ``size`` entries, up to ``sequence``, hash to ``chain_hash``."""

    size = models.BigIntegerField(unique=True)
    sequence = models.BigIntegerField(unique=True)
    chain_hash = models.CharField(max_length=64)
    gaps = models.JSONField(default=list, blank=True)  # [[first, last], ...] sequences never committed
    at = models.CharField(max_length=40)  # ISO time, exactly as signed
    key_id = models.CharField(max_length=80)
    signature = models.CharField(max_length=120)

    class Meta:
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"checkpoint {self.size} @ #{self.sequence}"


class AuditSealMarker(models.Model):
    """PostgreSQL: the highest sequence drawn at one moment and the transactions then writing entries.
    Once none of them is still open, every entry up to ``high_sequence`` is committed or never will be,
    and the sealer may seal up to there (see ``sealing.py``). Not part of the log; the sealer prunes it."""

    high_sequence = models.BigIntegerField()
    writers = models.JSONField(default=list)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"marker #{self.high_sequence}"
