"""The population registry: citizens, households, allocated ID numbers, data-quality flags.

Names are stored with their diacritics (NFC, one tone-mark placement); ``name_folded`` is the search
key. Invariants live in the database: one citizen per ID number, a number allocated once and never
again, one flag of a kind per citizen.
"""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from cancuoc import lookups  # noqa: F401  (registers field__any_of)
from cancuoc.protection.fields import EncryptedCharField
from cancuoc.rules.people import age_on, is_eligible_for_card
from cancuoc.rules.text import fold, join_full_name, sorted_tokens_key


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class BirthDatePrecision(models.TextChoices):
    DAY = "day", _("Full date")
    YEAR = "year", _("Year only (legacy record)")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class BloodType(models.TextChoices):
    O = "O", "O"  # noqa: E741 (the blood group is called O)
    A = "A", "A"
    B = "B", "B"
    AB = "AB", "AB"


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Household(models.Model):
    number = models.CharField(_("household number"), max_length=20, unique=True)
    unit = models.ForeignKey("units.AdministrativeUnit", on_delete=models.PROTECT, related_name="households")
    address = models.CharField(_("address"), max_length=200, blank=True)
    head = models.ForeignKey(
        "Citizen", null=True, blank=True, on_delete=models.SET_NULL, related_name="headed_households"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number


class Citizen(models.Model):
    id_number = models.CharField(_("personal ID number"), max_length=12, unique=True)
    family_name = models.CharField(_("family name"), max_length=40, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=60, blank=True)
    given_name = models.CharField(_("given name"), max_length=40)
    full_name = models.CharField(_("full name"), max_length=140, editable=False)
    other_names = EncryptedCharField(_("other names"), max_length=140, blank=True)
    # "nguyen van an": diacritic-insensitive search key; "an nguyen van": order-insensitive key
    name_folded = models.CharField(max_length=140, editable=False, db_index=True)
    name_sorted = models.CharField(max_length=140, editable=False, db_index=True)
    birth_date = models.DateField(_("date of birth"))
    birth_date_precision = models.CharField(
        max_length=4, choices=BirthDatePrecision.choices, default=BirthDatePrecision.DAY
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_registration_unit = models.ForeignKey(
        "units.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("place of birth registration"),
    )  # fmt: skip
    origin_unit = models.ForeignKey(
        "units.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("place of origin"),
    )  # fmt: skip
    # encrypted at rest (docs/data-protection.md); padded so that the ciphertext length names no group
    ethnicity = EncryptedCharField(_("ethnicity"), max_length=40, blank=True, pad_to=32)
    religion = EncryptedCharField(_("religion"), max_length=80, blank=True, pad_to=64)
    nationality = models.CharField(_("nationality"), max_length=3, default="VNM")
    blood_type = EncryptedCharField(_("blood type"), max_length=2, choices=BloodType.choices, blank=True)
    marital_status = models.CharField(
        _("marital status"), max_length=10, choices=MaritalStatus.choices, blank=True
    )
    permanent_unit = models.ForeignKey(
        "units.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("permanent residence"),
    )  # fmt: skip
    permanent_address = models.CharField(_("permanent address (street)"), max_length=200, blank=True)
    temporary_unit = models.ForeignKey(
        "units.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("temporary residence"),
    )  # fmt: skip
    temporary_address = models.CharField(_("temporary address (street)"), max_length=200, blank=True)
    current_unit = models.ForeignKey(
        "units.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("current whereabouts"),
    )  # fmt: skip
    current_address = models.CharField(_("current address (street)"), max_length=200, blank=True)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    relation_to_head = models.CharField(
        _("relation to household head"), max_length=12, choices=Relation.choices, blank=True
    )
    father = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    mother = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    spouse = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    legal_representative = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    father_name = EncryptedCharField(_("father's name"), max_length=140, blank=True)
    mother_name = EncryptedCharField(_("mother's name"), max_length=140, blank=True)
    spouse_name = EncryptedCharField(_("spouse's name"), max_length=140, blank=True)
    old_id_number = models.CharField(_("old 9-digit ID"), max_length=9, blank=True)
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    # a suspected duplicate merged into the record that stays: kept, with its own history, never deleted
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records",
        verbose_name=_("merged into"),
    )  # fmt: skip
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["permanent_unit", "birth_date"], name="citizen_unit_birth"),
            models.Index(fields=["birth_date"], name="citizen_birth"),
            # what changed since a cursor: the campaign's fold and enrollment's demographic index read it
            models.Index(fields=["updated_at"], name="citizen_updated_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id_number__regex=r"^[0-9]{12}$"), name="citizen_id_12_digits"
            ),
            models.CheckConstraint(condition=models.Q(sex__in=["M", "F"]), name="citizen_sex_known"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.id_number})"

    def refresh_name_keys(self) -> None:
        """Recompute the stored full name and its search keys from the name parts."""
        self.full_name = join_full_name(self.family_name, self.middle_name, self.given_name)
        self.name_folded = fold(self.full_name)
        self.name_sorted = sorted_tokens_key(self.full_name)

    @property
    def is_alive(self) -> bool:
        return self.date_of_death is None

    def age_on(self, on: date) -> int:
        return age_on(self.birth_date, on)

    def is_eligible_for_card(self, on: date, unit=None) -> bool:
        """Alive, 14+, Vietnamese, and resident or present in ``unit`` (any unit when None)."""
        if unit is None:
            present = any((self.permanent_unit_id, self.temporary_unit_id, self.current_unit_id))
        else:
            present = any(
                u is not None and u.path.startswith(unit.path)
                for u in (self.permanent_unit, self.temporary_unit, self.current_unit)
            )
        return is_eligible_for_card(
            birth_date=self.birth_date, on=on, alive=self.is_alive, nationality=self.nationality,
            present_in_unit=present,
        )  # fmt: skip


class AllocatedIdNumber(models.Model):
    """Every number ever given out. The primary key makes allocation unique under concurrency;
    a cancelled number keeps its row, so it can never be given out again."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(max_length=12, primary_key=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    allocated_at = models.DateTimeField(auto_now_add=True)
    allocated_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT)
    reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"


class QualityFlag(models.Model):
    """One data-quality problem of one citizen record ("đúng, đủ, sạch, sống")."""

    class Code(models.TextChoices):
        MISSING_FIELDS = "missing_fields", _("Mandatory fields missing")
        ID_CONTRADICTS_RECORD = "id_contradicts", _("ID number contradicts birth data")
        SUSPECTED_DUPLICATE = "duplicate", _("Suspected duplicate record")
        DEAD_BUT_PRESENT = "dead_present", _("Dead but marked present")
        LEGACY_BIRTH_DATE = "legacy_birth_date", _("Birth date known only by year")
        OUTSIDE_LIST = "outside_list", _("Ethnicity or religion outside the official lists")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="quality_flags")
    code = models.CharField(max_length=20, choices=Code.choices)
    detail = models.CharField(max_length=300, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["citizen", "code"], name="quality_flag_unique")]
        indexes = [models.Index(fields=["code"], name="quality_flag_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class NotDuplicatePair(models.Model):
    """Two records that share a folded name and birth date and that an officer has found to be different
    people: the suspected-duplicate flag is not raised again for this pair (``first`` < ``second``)."""

    first = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="not_duplicate_pair_unique"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="not_duplicate_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} ≠ {self.second_id}"


class ChangeRequest(models.Model):
    """A correction of a citizen's data asked for by one officer (at the enrollment counter, or from a
    door-to-door visit) and applied only when a supervisor approves it (maker-checker). The requested values
    are personal data: sealed (``values``); ``fields`` names them for lists."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, related_name="change_requests")
    values = models.TextField()  # sealed JSON {field: value}
    fields = models.JSONField(default=list)
    reason = models.CharField(max_length=300)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"change {self.pk} of {self.citizen_id} ({self.status})"
